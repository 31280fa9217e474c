// A small stateful Xen for toolstack tests, built on libs' fakes: xen::FakeHypervisor scripted
// with Xen 4.17's domctl/sysctl/memory/HVM/event-channel semantics over a table of domains,
// and a FakeWorld whose guest memory the foreign-mapping fake aliases. Domain 0 exists.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "foreignmem/fake_foreign_memory.hpp"
#include "foreignmem/fake_world.hpp"
#include "hvcall/fake_hypervisor.hpp"

// SHUTDOWN_* and the version structs, after the ABI header above.
#include <xen/sched.h>

namespace tessera::test {

class FakeXen {
public:
    /// Guest frames a new domain may populate: the magic pages up to 64 MiB of RAM.
    static constexpr xen_pfn_t kFirstGfn = GUEST_MAGIC_BASE >> 12;
    static constexpr xen_pfn_t kRamGfn = GUEST_RAM0_BASE >> 12;
    static constexpr size_t kGuestFrames = (kRamGfn - kFirstGfn) + (64u << 20) / 4096;

    struct Vcpu {
        bool online = false;
        bool running = false;
        bool blocked = false;
        uint32_t cpu = 0;
        uint64_t time_ns = 0;
        std::vector<uint8_t> hard;
        std::vector<uint8_t> soft;
        vcpu_guest_context_t context{};
    };

    struct Domain {
        domid_t id = 0;
        xen_domctl_createdomain config{};
        bool paused = false;
        bool shutdown = false;
        bool dying = false;
        unsigned reason = 0;
        uint64_t max_memkb = 0;
        uint64_t paging_pool = 0;  ///< bytes (XEN_DOMCTL_set_paging_mempool_size)
        uint64_t tot_pages = 0;
        uint64_t cpu_time_ns = 0;
        std::vector<Vcpu> vcpus;
        std::map<uint32_t, uint64_t> params;
        uint32_t next_port = 1;
        std::vector<std::pair<uint64_t, uint64_t>> flushes;  ///< (first pfn, count)
    };

    FakeXen();

    xen::FakeHypervisor hv;
    xen::FakeWorld world;
    xen::FakeForeignMemory memory{world};

    std::map<domid_t, Domain> domains;
    /// Host: pCPUs 0..nr_cpus-1.
    uint32_t nr_cpus = 4;
    /// Host: free pages physinfo reports (300 MiB).
    uint64_t free_pages = 300u * 256;
    /// The hypervisor's console ring (XEN_SYSCTL_readconsole).
    std::string console;
    /// destroydomain answers EAGAIN this many times before working.
    int destroy_eagain = 0;
    /// Fail a domctl with -errno (by XEN_DOMCTL_* number).
    std::map<uint32_t, int> fail_domctl;
    /// Domains destroyed, in order.
    std::vector<domid_t> destroyed;

    Domain& dom(domid_t id) { return domains.at(id); }
    /// What a guest doing SCHEDOP_shutdown(reason) leaves behind.
    void guest_shutdown(domid_t id, unsigned reason);
    /// Bytes of guest memory (populated frames only).
    std::vector<std::byte> read_guest(domid_t id, uint64_t gpa, size_t size);

private:
    void script_domctls();
    void script_sysctls();
    void script_other_ops();
    xen_domctl_getdomaininfo info_of(const Domain& d) const;
    std::vector<uint8_t> all_cpus() const;

    domid_t next_domid_ = 1;
};

}  // namespace tessera::test
