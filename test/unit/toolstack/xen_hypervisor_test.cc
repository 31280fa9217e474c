// XenHypervisor (the real builder backend) against FakeXen: the hypercalls it makes, guest
// memory through foreign mappings, grant seeding both ways, destroy's EAGAIN retry.
#include "toolstack/xen_hypervisor.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "fake_xen.h"

using namespace tessera::toolstack;
using tessera::test::FakeXen;

namespace {

CreateDomainRequest request(uint32_t vcpus = 2) {
    CreateDomainRequest r;
    r.handle = Uuid::parse("00000000-0000-4000-8000-0000000000aa").value();
    r.max_vcpus = vcpus;
    r.max_evtchn_port = 1023;
    r.max_grant_frames = 32;
    r.max_maptrack_frames = 1024;
    return r;
}

/// Fails MMAP_RESOURCE like a privcmd without it; a map of the grant-table scratch frame maps
/// the guest's grant table, as XENMEM_add_to_physmap(grant_table) makes Xen do.
class NoResourceMemory final : public tessera::xen::ForeignMemory {
public:
    explicit NoResourceMemory(tessera::xen::ForeignMemory& inner) : inner_(inner) {}
    tessera::xen::Result<size_t> resource_size(domid_t, unsigned, unsigned) override {
        return tessera::xen::fail(ENOTTY, "no MMAP_RESOURCE");
    }

protected:
    tessera::xen::Result<tessera::xen::ForeignMapping> map_frames(domid_t dom,
                                                                  std::span<const xen_pfn_t> gfns,
                                                                  int prot) override {
        if (gfns.size() == 1 && gfns[0] == (GUEST_GNTTAB_BASE >> 12)) {
            return inner_.map_resource(dom, XENMEM_resource_grant_table,
                                       XENMEM_resource_grant_table_id_shared, 0, 1, prot);
        }
        return inner_.map(dom, gfns, prot);
    }
    tessera::xen::Result<tessera::xen::ForeignMapping> map_resource_frames(domid_t, unsigned,
                                                                           unsigned, size_t, size_t,
                                                                           int) override {
        return tessera::xen::fail(ENOTTY, "IOCTL_PRIVCMD_MMAP_RESOURCE: Inappropriate ioctl");
    }

private:
    tessera::xen::ForeignMemory& inner_;
};

}  // namespace

TEST_CASE("xen hypervisor: createdomain asks for an HVM+HAP Arm guest") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    auto dom = hv.create_domain(request());
    REQUIRE(dom);
    CHECK(*dom == 1);
    const auto& c = xen.dom(1).config;
    CHECK(c.flags == (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap));
    CHECK(c.max_vcpus == 2);
    CHECK(c.max_grant_frames == 32);
    CHECK(c.grant_opts == XEN_DOMCTL_GRANT_version(1));
    CHECK(c.arch.gic_version == XEN_DOMCTL_CONFIG_GIC_V3);  // NATIVE, answered as V3
    CHECK(c.handle[15] == 0xaa);
    CHECK(xen.dom(1).paused);
    CHECK(xen.dom(1).paging_pool == 0);  // not asked for
    // Xen's limit surfaces with the domctl's name.
    auto too_many = hv.create_domain(request(9));
    REQUIRE_FALSE(too_many);
    CHECK(too_many.error().message.starts_with("XEN_DOMCTL_createdomain: "));
}

TEST_CASE("xen hypervisor: the paging pool is sized after creation, as libxl 4.17 does") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    CreateDomainRequest r = request();
    r.paging_pool_kib = default_paging_pool_kib(256 * 1024, 2);
    CHECK(r.paging_pool_kib == 4 * (512 + 256 + 128));
    REQUIRE(hv.create_domain(r).value() == 1);
    CHECK(xen.dom(1).paging_pool == r.paging_pool_kib * 1024);
    // Refused for lack of memory: the new domain does not stay behind.
    xen.fail_domctl[XEN_DOMCTL_set_paging_mempool_size] = ENOMEM;
    auto refused = hv.create_domain(r);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.starts_with("XEN_DOMCTL_set_paging_mempool_size: "));
    CHECK(xen.destroyed == std::vector<domid_t>{2});
    // A hypervisor without the interface sizes the pool itself.
    xen.fail_domctl[XEN_DOMCTL_set_paging_mempool_size] = ENOSYS;
    CHECK(hv.create_domain(r).value() == 3);
}

TEST_CASE("xen hypervisor: populate, copy across batches, flush in chunks") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    const DomId dom = hv.create_domain(request()).value();
    REQUIRE(hv.populate_physmap(dom, FakeXen::kRamGfn, 2000));
    CHECK(xen.dom(1).tot_pages == 2000);
    // 1500 pages from an unaligned address: two MMAPBATCH batches.
    std::vector<std::byte> data(1500 * 4096 - 100);
    for (size_t i = 0; i < data.size(); ++i) data[i] = std::byte(i * 7);
    const uint64_t gpa = GUEST_RAM0_BASE + 0x123;
    REQUIRE(hv.copy_to_guest(dom, gpa, data));
    CHECK(xen.read_guest(dom, gpa, data.size()) == data);
    CHECK(xen.read_guest(dom, GUEST_RAM0_BASE, 0x123) == std::vector<std::byte>(0x123));

    // A frame nobody populated fails, naming it.
    auto hole = hv.copy_to_guest(dom, GUEST_RAM0_BASE + 2000 * 4096, data);
    REQUIRE_FALSE(hole);
    CHECK(hole.error().message == "cannot map frame 0x407d0 of domain 1: Invalid argument");
    // Beyond what the fake guest may hold, populate fails like Xen's short count.
    CHECK(hv.populate_physmap(dom, 0x80000, 1)
              .error()
              .message.starts_with("XENMEM_populate_physmap: populated 0 of 1 extents"));

    REQUIRE(hv.flush_cache(dom, FakeXen::kRamGfn, 10000));
    const auto& flushes = xen.dom(1).flushes;
    REQUIRE(flushes.size() == 3);
    CHECK(flushes[0] == std::pair<uint64_t, uint64_t>{FakeXen::kRamGfn, 4096});
    CHECK(flushes[2] == std::pair<uint64_t, uint64_t>{FakeXen::kRamGfn + 8192, 10000 - 8192});
}

TEST_CASE("xen hypervisor: grant seeding through the grant-table resource") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    const DomId dom = hv.create_domain(request()).value();
    REQUIRE(hv.seed_grant_table(dom, 0x39000, 0, 0x39001, 0));
    const auto& console = xen.world.find(1)->grant(GNTTAB_RESERVED_CONSOLE);
    const auto& store = xen.world.find(1)->grant(GNTTAB_RESERVED_XENSTORE);
    CHECK(console.flags == GTF_permit_access);
    CHECK(console.domid == 0);
    CHECK(console.frame == 0x39000);
    CHECK(store.flags == GTF_permit_access);
    CHECK(store.frame == 0x39001);
}

TEST_CASE("xen hypervisor: grant seeding falls back to the physmap without MMAP_RESOURCE") {
    FakeXen xen;
    std::vector<std::pair<unsigned, xen_pfn_t>> physmap;
    xen.hv.on_memory_op(XENMEM_add_to_physmap, [&](void* arg) -> long {
        auto* a = static_cast<xen_add_to_physmap*>(arg);
        if (a->space != XENMAPSPACE_grant_table || a->idx != 0) return -EINVAL;
        physmap.emplace_back(XENMEM_add_to_physmap, a->gpfn);
        return 0;
    });
    xen.hv.on_memory_op(XENMEM_remove_from_physmap, [&](void* arg) -> long {
        physmap.emplace_back(XENMEM_remove_from_physmap,
                             static_cast<xen_remove_from_physmap*>(arg)->gpfn);
        return 0;
    });
    NoResourceMemory memory(xen.memory);
    XenHypervisor hv(xen.hv, memory);
    const DomId dom = hv.create_domain(request()).value();
    REQUIRE(hv.seed_grant_table(dom, 0x39000, 0, 0x39001, 0));
    const xen_pfn_t scratch = GUEST_GNTTAB_BASE >> 12;
    CHECK(physmap == std::vector<std::pair<unsigned, xen_pfn_t>>{
                         {XENMEM_add_to_physmap, scratch}, {XENMEM_remove_from_physmap, scratch}});
    CHECK(xen.world.find(1)->grant(GNTTAB_RESERVED_XENSTORE).frame == 0x39001);
    CHECK(xen.dom(1).flushes.back() == std::pair<uint64_t, uint64_t>{scratch, 1});
}

TEST_CASE("xen hypervisor: affinity maps sized to the host, context, params, events") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    const DomId dom = hv.create_domain(request()).value();
    const CpuSet one = CpuSet::parse("1").value();
    const CpuSet all = CpuSet::all();
    REQUIRE(hv.set_vcpu_affinity(dom, 1, &one, &all));
    CHECK(xen.dom(1).vcpus[1].hard == std::vector<uint8_t>{0x02});
    CHECK(xen.dom(1).vcpus[1].soft == std::vector<uint8_t>{0x0f});
    const CpuSet absent = CpuSet::parse("9").value();  // no such pCPU: Xen refuses
    CHECK_FALSE(hv.set_vcpu_affinity(dom, 0, &absent, nullptr));

    vcpu_guest_context_t ctx{};
    ctx.flags = VGCF_online;
    ctx.user_regs.pc64 = 0x40000000;
    REQUIRE(hv.set_vcpu_context(dom, 0, ctx));
    CHECK(xen.dom(1).vcpus[0].online);
    CHECK(xen.dom(1).vcpus[0].context.user_regs.pc64 == 0x40000000);
    REQUIRE(hv.set_hvm_param(dom, HVM_PARAM_STORE_PFN, 0x39001));
    CHECK(xen.dom(1).params.at(HVM_PARAM_STORE_PFN) == 0x39001);
    CHECK(hv.alloc_unbound_evtchn(dom, 0).value() == 1);
    CHECK(hv.alloc_unbound_evtchn(dom, 0).value() == 2);
    REQUIRE(hv.set_max_mem(dom, 263168));
    CHECK(xen.dom(1).max_memkb == 263168);
    REQUIRE(hv.unpause(dom));
    CHECK_FALSE(xen.dom(1).paused);
}

TEST_CASE("xen hypervisor: destroy retries while Xen says EAGAIN") {
    FakeXen xen;
    XenHypervisor hv(xen.hv, xen.memory);
    const DomId dom = hv.create_domain(request()).value();
    xen.destroy_eagain = 3;
    REQUIRE(hv.destroy(dom));
    CHECK(xen.destroyed == std::vector<domid_t>{1});
    CHECK(xen.hv.domctls().back().cmd == XEN_DOMCTL_destroydomain);
    CHECK_FALSE(hv.destroy(dom));  // gone: ESRCH, no retry
}

TEST_CASE("xen hypervisor: cpu bitmaps") {
    CHECK(cpu_bitmap(CpuSet::parse("0,9").value(), 12) == std::vector<uint8_t>{0x01, 0x02});
    CHECK(cpu_bitmap(CpuSet::all(), 4) == std::vector<uint8_t>{0x0f});
}
