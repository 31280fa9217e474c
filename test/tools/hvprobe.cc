// hvprobe: grant operations and raw domctl cycles from a guest's user space, for the end-to-end
// tests of the hypervisor's checks (test/qemu/test_domu.py). Each command prints one line
// "<what>: ok ..." or "<what>: error <errno> (<name>)" and exits 0 either way, so that the
// test, not this tool, decides what was expected. Debian's kernel refuses privcmd hypercalls
// in an unprivileged domain (its privcmd restricts itself there), so `cycles` is for dom0;
// what a domU must be refused is checked by the probe guest (test/guest).
//
//   hvprobe grant-map DOMID REF ro|rw   map a grant through gntdev and read its first bytes
//   hvprobe grant-write DOMID REF    map a grant read-write and write to it
//   hvprobe grant-offer DOMID ro|rw SECONDS   grant a page holding "tessera-grant" (gntalloc),
//                                    print its reference, keep it for SECONDS
//   hvprobe cycles N PAGES           N times: createdomain, max_mem, populate PAGES frames,
//                                    destroydomain (raw domctls, no toolstack); prints the
//                                    host's free pages before and after
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "hvcall/control.hpp"
#include "hvcall/privcmd.hpp"
#include "hvcall/xen_abi.hpp"
#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>
#include <xen/sys/privcmd.h>

namespace {

constexpr long kPage = 4096;

int report_errno(const char* what, int err) {
    std::printf("%s: error %d (%s)\n", what, err, std::strerror(err));
    return 0;
}

int open_dev(const char* path) {
    int fd = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::printf("open %s: error %d (%s)\n", path, errno, std::strerror(errno));
        std::exit(2);
    }
    return fd;
}

/// Maps one grant through gntdev; returns the mapping or nullptr (after printing why).
void* map_grant(unsigned domid, unsigned ref, bool readonly, const char* what) {
    int fd = open_dev("/dev/xen/gntdev");
    ioctl_gntdev_map_grant_ref map{};
    map.count = 1;
    map.refs[0].domid = domid;
    map.refs[0].ref = ref;
    if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map) < 0) {
        report_errno(what, errno);
        return nullptr;
    }
    int prot = PROT_READ | (readonly ? 0 : PROT_WRITE);
    void* p = mmap(nullptr, kPage, prot, MAP_SHARED, fd, static_cast<off_t>(map.index));
    if (p == MAP_FAILED) {
        report_errno(what, errno);
        return nullptr;
    }
    return p;
}

int cmd_grant_map(unsigned domid, unsigned ref, bool readonly) {
    void* p = map_grant(domid, ref, readonly, "grant-map");
    if (p == nullptr) return 0;
    char text[16] = {};
    std::memcpy(text, p, sizeof text - 1);
    std::printf("grant-map: ok \"%s\"\n", text);
    return 0;
}

int cmd_grant_write(unsigned domid, unsigned ref) {
    void* p = map_grant(domid, ref, false, "grant-write");
    if (p == nullptr) return 0;
    std::memcpy(p, "written", 8);
    std::printf("grant-write: ok\n");
    return 0;
}

int cmd_grant_offer(unsigned domid, bool readonly, unsigned seconds) {
    int fd = open_dev("/dev/xen/gntalloc");
    ioctl_gntalloc_alloc_gref alloc{};
    alloc.domid = static_cast<uint16_t>(domid);
    alloc.flags = readonly ? 0 : GNTALLOC_FLAG_WRITABLE;
    alloc.count = 1;
    if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &alloc) < 0) return report_errno("grant-offer", errno);
    void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(alloc.index));
    if (p == MAP_FAILED) return report_errno("grant-offer", errno);
    std::strcpy(static_cast<char*>(p), "tessera-grant");
    std::printf("grant-offer: ok ref %u\n", alloc.gref_ids[0]);
    std::fflush(stdout);
    sleep(seconds);
    std::printf("grant-offer: page now \"%.15s\"\n", static_cast<char*>(p));
    return 0;
}

int report(const char* what, const tessera::xen::Error& e) {
    std::printf("%s: error %d (%s)\n", what, e.code, e.message.c_str());
    return 0;
}

/// One domain's life through raw domctls, as a toolstack would drive it minus the kernel.
tessera::xen::Result<void> one_cycle(tessera::xen::Hypervisor& hv, unsigned pages) {
    namespace x = tessera::xen;
    xen_domctl_createdomain c{};
    c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    c.max_vcpus = 1;
    c.max_evtchn_port = 1023;
    c.max_grant_frames = -1;
    c.max_maptrack_frames = -1;
    c.grant_opts = XEN_DOMCTL_GRANT_version(1);
    c.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_V3;
    auto dom = x::create_domain(hv, c);
    if (!dom) return std::unexpected(dom.error());
    auto populated = x::set_max_mem(hv, *dom, pages * 4ull + 1024);
    std::vector<xen_pfn_t> gfns;
    for (unsigned i = 0; i < pages && populated; ++i) {
        gfns.push_back((GUEST_RAM0_BASE >> 12) + i);
        if (gfns.size() == 512 || i + 1 == pages) {
            populated = x::populate_physmap(hv, *dom, gfns);
            gfns.clear();
        }
    }
    // Xen answers EAGAIN while the domain's vCPUs are still being put down.
    auto gone = x::destroy_domain(hv, *dom);
    for (int i = 0; i < 1000 && !gone && gone.error().code == EAGAIN; ++i) {
        usleep(1000);
        gone = x::destroy_domain(hv, *dom);
    }
    if (!populated) return populated;
    return gone;
}

int cmd_cycles(unsigned n, unsigned pages) {
    auto hv = tessera::xen::Privcmd::open();
    if (!hv) return report("cycles", hv.error());
    auto before = tessera::xen::physinfo(*hv);
    if (!before) return report("cycles", before.error());
    for (unsigned i = 0; i < n; ++i) {
        if (auto r = one_cycle(*hv, pages); !r) {
            std::printf("cycle %u: ", i);
            return report("cycles", r.error());
        }
    }
    auto after = tessera::xen::physinfo(*hv);
    if (!after) return report("cycles", after.error());
    std::printf("cycles: ok %u free before %llu after %llu\n", n,
                static_cast<unsigned long long>(before->free_pages),
                static_cast<unsigned long long>(after->free_pages));
    return 0;
}

unsigned long number(const char* s) { return std::strtoul(s, nullptr, 0); }

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "grant-map" && argc == 5)
        return cmd_grant_map(number(argv[2]), number(argv[3]), std::string(argv[4]) == "ro");
    if (cmd == "grant-write" && argc == 4) return cmd_grant_write(number(argv[2]), number(argv[3]));
    if (cmd == "grant-offer" && argc == 5)
        return cmd_grant_offer(number(argv[2]), std::string(argv[3]) == "ro", number(argv[4]));
    if (cmd == "cycles" && argc == 4) return cmd_cycles(number(argv[2]), number(argv[3]));
    std::fprintf(stderr,
                 "usage: hvprobe grant-map DOMID REF ro|rw |\n"
                 "       grant-write DOMID REF | grant-offer DOMID ro|rw SECONDS |\n"
                 "       cycles N PAGES\n");
    return 2;
}
