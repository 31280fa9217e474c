// domctl and sysctl through the hypercall dispatcher: a dom0 test domain drives the whole
// life cycle of a domU, and bad arguments get Xen's errnos with nothing changed.
#include <cstring>

#include "arch/host/fake.h"
#include "hv/console.h"
#include "hv/domain_mem.h"
#include "hv/hypercall.h"
#include "hv/percpu.h"
#include "world.h"

using namespace hv;
using test::call;

namespace {

/// dom0 with a page for the domctl struct (page 0), argument pages after it.
struct Dom0 {
    test::TestDomain d{0, 1, 64, true};
    xen_domctl* op() { return d.ram<xen_domctl>(0); }

    i64 domctl(u32 cmd, u16 domid) {
        op()->cmd = cmd;
        op()->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        op()->domain = domid;
        return call(d.vcpu(), __HYPERVISOR_domctl, d.gva(op()).raw());
    }
    /// Fills a valid createdomain request (tests then spoil one field).
    void prepare(u32 vcpus = 1) {
        std::memset(op(), 0, sizeof(xen_domctl));
        auto& c = op()->u.createdomain;
        c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
        c.max_vcpus = vcpus;
        c.max_evtchn_port = 1023;
        c.max_grant_frames = 4;
        c.max_maptrack_frames = 16;
        c.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_NATIVE;
    }
    i64 create(u32 vcpus = 1, u16 domid = 0) {
        prepare(vcpus);
        return domctl(XEN_DOMCTL_createdomain, domid);
    }
    i64 destroy(u16 domid) {
        i64 rc;
        while ((rc = domctl(XEN_DOMCTL_destroydomain, domid)) == -kEAGAIN) {}
        return rc;
    }
    i64 max_mem(u16 domid, u64 kib) {
        op()->u.max_mem.max_memkb = kib;
        return domctl(XEN_DOMCTL_max_mem, domid);
    }
    /// populate_physmap of `n` single pages from `gfn` in `domid`; returns the extents done.
    i64 populate(u16 domid, u64 gfn, u64 n) {
        auto* list = d.ram<xen_pfn_t>(2);
        for (u64 i = 0; i < n; ++i) list[i] = gfn + i;
        auto* r = d.ram<xen_memory_reservation>(1);
        *r = xen_memory_reservation{};
        r->extent_start.p = reinterpret_cast<xen_pfn_t*>(d.gva(list).raw());
        r->nr_extents = n;
        r->domid = domid;
        return call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_populate_physmap, d.gva(r).raw());
    }
    /// Foreign-maps `owner`'s gfn at our `gfn`; returns the per-page error.
    int map_foreign(u16 owner, u64 owner_gfn, u64 gfn) {
        auto* idx = d.ram<xen_ulong_t>(3);
        auto* gpfn = d.ram<xen_pfn_t>(4);
        auto* err = d.ram<int>(5);
        *idx = owner_gfn;
        *gpfn = gfn;
        *err = 12345;
        auto* b = d.ram<xen_add_to_physmap_batch>(1);
        *b = xen_add_to_physmap_batch{};
        b->domid = DOMID_SELF;
        b->space = XENMAPSPACE_gmfn_foreign;
        b->size = 1;
        b->u.foreign_domid = owner;
        b->idxs.p = reinterpret_cast<xen_ulong_t*>(d.gva(idx).raw());
        b->gpfns.p = reinterpret_cast<xen_pfn_t*>(d.gva(gpfn).raw());
        b->errs.p = reinterpret_cast<int*>(d.gva(err).raw());
        i64 rc = call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, d.gva(b).raw());
        return rc != 0 ? static_cast<int>(rc) : *err;
    }
};

constexpr u64 kRamGfn = GUEST_RAM0_BASE >> kPageShift;
constexpr u64 kHoleGfn = 0x10000000 >> kPageShift;  // nothing mapped there in the test dom0

}  // namespace

TEST_CASE("a domU touching another domain's memory or grant table: -EPERM, not -ESRCH") {
    Dom0 z;
    test::TestDomain du(5);
    auto* r = du.ram<xen_memory_reservation>();
    auto* frame = du.ram<xen_pfn_t>(1);
    *frame = kHoleGfn;
    set_xen_guest_handle(r->extent_start, reinterpret_cast<xen_pfn_t*>(du.gva(frame).raw()));
    r->nr_extents = 1;
    r->domid = 0;  // exists, not ours
    CHECK(call(du.vcpu(), __HYPERVISOR_memory_op, XENMEM_populate_physmap, du.gva(r).raw()) == -kEPERM);
    r->domid = 77;  // does not exist
    CHECK(call(du.vcpu(), __HYPERVISOR_memory_op, XENMEM_populate_physmap, du.gva(r).raw()) == -kESRCH);
    auto* q = du.ram<gnttab_query_size>(2);
    q->dom = 0;
    CHECK(call(du.vcpu(), __HYPERVISOR_grant_table_op, GNTTABOP_query_size, du.gva(q).raw(), 1) == 0);
    CHECK(q->status == GNTST_permission_denied);
    q->dom = 77;
    CHECK(call(du.vcpu(), __HYPERVISOR_grant_table_op, GNTTABOP_query_size, du.gva(q).raw(), 1) == 0);
    CHECK(q->status == GNTST_bad_domain);
}

TEST_CASE("createdomain's max_evtchn_port (Xen 4.17's set_max_evtchn) bounds a domain's ports") {
    Dom0 z;
    z.prepare();
    z.op()->u.createdomain.max_evtchn_port = 2;
    REQUIRE(z.domctl(XEN_DOMCTL_createdomain, 0) == 0);
    Domain* d = domain_by_id(z.op()->domain);
    REQUIRE(d != nullptr);
    CHECK(d->evtchn.max_port == 2);
    CHECK(event::alloc_unbound(*d, 0) == 1);
    CHECK(event::alloc_unbound(*d, 0) == 2);
    CHECK(event::alloc_unbound(*d, 0) == -kENOSPC);
    REQUIRE(z.domctl(XEN_DOMCTL_destroydomain, d->id) == 0);
}

TEST_CASE("domctl: dom0 only, interface version checked, unknown commands -ENOSYS") {
    Dom0 z;
    test::TestDomain du(5);
    auto* op = du.ram<xen_domctl>();
    op->cmd = XEN_DOMCTL_getdomaininfo;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    CHECK(call(du.vcpu(), __HYPERVISOR_domctl, du.gva(op).raw()) == -kEPERM);
    CHECK(call(du.vcpu(), __HYPERVISOR_sysctl, du.gva(op).raw()) == -kEPERM);
    z.op()->interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    z.op()->cmd = XEN_DOMCTL_getdomaininfo;
    CHECK(call(z.d.vcpu(), __HYPERVISOR_domctl, z.d.gva(z.op()).raw()) == -kEACCES);
    CHECK(z.domctl(XEN_DOMCTL_shadow_op, 0) == -kENOSYS);
    CHECK(z.domctl(XEN_DOMCTL_pausedomain, 77) == -kESRCH);
    CHECK(call(z.d.vcpu(), __HYPERVISOR_domctl, 0x7ff00000) == -kEFAULT);
}

TEST_CASE("createdomain: Xen's checks, then a paused domain; a failure leaves nothing behind") {
    Dom0 z;
    usize free0 = mm::pages().free_pages();
    u32 domains0 = nr_domains();
    z.prepare();
    z.op()->u.createdomain.flags = XEN_DOMCTL_CDF_hvm;  // no hap
    CHECK(z.domctl(XEN_DOMCTL_createdomain, 0) == -kEINVAL);
    CHECK(z.create(0) == -kEINVAL);
    CHECK(z.create(Domain::kMaxVcpus + 1) == -kEINVAL);
    z.prepare();
    z.op()->u.createdomain.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_V2;
    CHECK(z.domctl(XEN_DOMCTL_createdomain, 0) == -kEOPNOTSUPP);
    z.prepare();
    z.op()->u.createdomain.max_grant_frames = 0;
    CHECK(z.domctl(XEN_DOMCTL_createdomain, 0) == -kEINVAL);
    CHECK(mm::pages().free_pages() == free0);
    CHECK(nr_domains() == domains0);
    REQUIRE(z.create(1, 0) == 0);
    u16 id = z.op()->domain;
    CHECK(z.create(1, id) == -kEEXIST);  // an explicit id in use
    CHECK(z.op()->u.createdomain.arch.gic_version == XEN_DOMCTL_CONFIG_GIC_NATIVE);
    Domain* d = domain_by_id(id);
    REQUIRE(d != nullptr);
    CHECK(id != 0);
    CHECK(d->pause_count == 1);
    CHECK(d->gicd_base.raw() == GUEST_GICV3_GICD_BASE);
    CHECK(d->gicr_base.raw() == GUEST_GICV3_GICR0_BASE);
    CHECK(nr_domains() == domains0 + 1);
    CHECK(z.destroy(id) == 0);
    CHECK(domain_by_id(id) == nullptr);
    CHECK(mm::pages().free_pages() == free0);
    CHECK(nr_domains() == domains0);
}

TEST_CASE("createdomain writes back the chosen id and GIC version") {
    Dom0 z;
    REQUIRE(z.create(2) == 0);
    u16 id = z.op()->domain;
    CHECK(z.op()->u.createdomain.arch.gic_version == XEN_DOMCTL_CONFIG_GIC_V3);
    REQUIRE(z.create(1) == 0);
    u16 id2 = z.op()->domain;
    CHECK(id2 != id);
    CHECK(z.destroy(id) == 0);
    CHECK(z.destroy(id2) == 0);
    REQUIRE(z.create(1) == 0);
    CHECK(z.op()->domain != id);  // ids are not reused at once
    CHECK(z.destroy(z.op()->domain) == 0);
}

TEST_CASE("max_mem bounds populate_physmap; reservations report pages; destroy gives all back") {
    Dom0 z;
    usize free0 = mm::pages().free_pages();
    REQUIRE(z.create() == 0);
    u16 id = z.op()->domain;
    CHECK(z.populate(id, kRamGfn, 4) == 0);  // max_mem not set yet: nothing
    REQUIRE(z.max_mem(id, 16 * 4) == 0);     // 16 pages
    CHECK(z.populate(id, kRamGfn, 20) == 16);
    Domain* d = domain_by_id(id);
    CHECK(d->ram_pages == 16);
    CHECK(d->p2m.lookup(IPAddr(GUEST_RAM0_BASE)).type == mm::P2mType::kRam);
    auto* domid = z.d.ram<domid_t>(1);
    *domid = id;
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_current_reservation, z.d.gva(domid).raw()) == 16);
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_maximum_reservation, z.d.gva(domid).raw()) == 16);
    CHECK(z.populate(id, kRamGfn, 1) == 0);  // already populated
    CHECK(z.destroy(id) == 0);
    CHECK(mm::pages().free_pages() == free0);
}

TEST_CASE("getdomaininfo answers the next domain up; getdomaininfolist lists them") {
    Dom0 z;
    REQUIRE(z.create(2) == 0);
    u16 id = z.op()->domain;
    REQUIRE(z.max_mem(id, 64) == 0);
    REQUIRE(z.populate(id, kRamGfn, 3) == 3);
    REQUIRE(z.domctl(XEN_DOMCTL_getdomaininfo, 1) == 0);
    CHECK(z.op()->domain == id);
    const auto& info = z.op()->u.getdomaininfo;
    CHECK(info.domain == id);
    CHECK((info.flags & XEN_DOMINF_paused) != 0);
    CHECK((info.flags & XEN_DOMINF_hvm_guest) != 0);
    CHECK(info.tot_pages == 3);
    CHECK(info.max_pages == 16);
    CHECK(info.max_vcpu_id == 1);
    CHECK(info.nr_online_vcpus == 0);
    CHECK(z.domctl(XEN_DOMCTL_getdomaininfo, static_cast<u16>(id + 1)) == -kESRCH);
    REQUIRE(z.domctl(XEN_DOMCTL_unpausedomain, id) == 0);
    REQUIRE(z.domctl(XEN_DOMCTL_getdomaininfo, id) == 0);
    CHECK((z.op()->u.getdomaininfo.flags & XEN_DOMINF_paused) == 0);
    CHECK(z.domctl(XEN_DOMCTL_unpausedomain, id) == -kEINVAL);  // not paused
    CHECK(z.domctl(XEN_DOMCTL_pausedomain, 0) == -kEINVAL);     // not itself

    auto* sys = z.d.ram<xen_sysctl>(1);
    auto* list = z.d.ram<xen_domctl_getdomaininfo>(2);
    *sys = xen_sysctl{};
    sys->cmd = XEN_SYSCTL_getdomaininfolist;
    sys->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    sys->u.getdomaininfolist.first_domain = 0;
    sys->u.getdomaininfolist.max_domains = 8;
    sys->u.getdomaininfolist.buffer.q = z.d.gva(list).raw();
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_sysctl, z.d.gva(sys).raw()) == 0);
    REQUIRE(sys->u.getdomaininfolist.num_domains == 2);
    CHECK(list[0].domain == 0);
    CHECK(list[1].domain == id);
    CHECK(z.destroy(id) == 0);
}

TEST_CASE("setvcpucontext: EL2 or AArch32 refused; a valid context makes vCPU 0 runnable") {
    Dom0 z;
    REQUIRE(z.create(2) == 0);
    u16 id = z.op()->domain;
    auto* ctx = z.d.ram<vcpu_guest_context>(3);
    *ctx = vcpu_guest_context{};
    ctx->user_regs.pc64 = GUEST_RAM0_BASE + 0x200000;
    ctx->user_regs.x0 = 0x48000000;
    ctx->user_regs.cpsr = PSR_MODE_EL2h;
    ctx->flags = VGCF_online;
    z.op()->u.vcpucontext.vcpu = 0;
    z.op()->u.vcpucontext.ctxt.q = z.d.gva(ctx).raw();
    CHECK(z.domctl(XEN_DOMCTL_setvcpucontext, id) == -kEINVAL);
    ctx->user_regs.cpsr = PSR_MODE_BIT | PSR_MODE_SVC;
    CHECK(z.domctl(XEN_DOMCTL_setvcpucontext, id) == -kEINVAL);
    Domain* d = domain_by_id(id);
    CHECK(d->vcpus[0].state == VcpuState::kOffline);
    ctx->user_regs.cpsr = PSR_GUEST64_INIT;
    z.op()->u.vcpucontext.vcpu = 2;
    CHECK(z.domctl(XEN_DOMCTL_setvcpucontext, id) == -kEINVAL);
    z.op()->u.vcpucontext.vcpu = 0;
    REQUIRE(z.domctl(XEN_DOMCTL_setvcpucontext, id) == 0);
    CHECK(d->vcpus[0].state == VcpuState::kRunnable);
    CHECK(d->vcpus[0].arch.regs.pc == GUEST_RAM0_BASE + 0x200000);
    CHECK(d->vcpus[0].arch.regs.x[0] == 0x48000000);
    std::memset(ctx, 0, sizeof *ctx);
    REQUIRE(z.domctl(XEN_DOMCTL_getvcpucontext, id) == 0);
    CHECK(ctx->user_regs.pc64 == GUEST_RAM0_BASE + 0x200000);
    CHECK((ctx->flags & VGCF_online) != 0);
    z.op()->u.getvcpuinfo.vcpu = 1;
    REQUIRE(z.domctl(XEN_DOMCTL_getvcpuinfo, id) == 0);
    CHECK(z.op()->u.getvcpuinfo.online == 0);
    CHECK(z.destroy(id) == 0);
}

TEST_CASE("vCPU affinity: a map without an online pCPU is refused; effective maps come back") {
    Dom0 z;
    set_nr_cpus(2);
    REQUIRE(z.create(1) == 0);
    u16 id = z.op()->domain;
    auto* hard = z.d.ram<u8>(3);
    auto* soft = z.d.ram<u8>(4);
    auto set = [&](u8 h, u8 s, u32 flags) {
        *hard = h;
        *soft = s;
        auto& a = z.op()->u.vcpuaffinity;
        a = xen_domctl_vcpuaffinity{};
        a.vcpu = 0;
        a.flags = flags;
        a.cpumap_hard.bitmap.q = z.d.gva(hard).raw();
        a.cpumap_hard.nr_bits = 8;
        a.cpumap_soft.bitmap.q = z.d.gva(soft).raw();
        a.cpumap_soft.nr_bits = 8;
        return z.domctl(XEN_DOMCTL_setvcpuaffinity, id);
    };
    Domain* d = domain_by_id(id);
    u64 before = d->vcpus[0].hard_affinity;
    CHECK(set(0x04, 0, XEN_VCPUAFFINITY_HARD) == -kEINVAL);  // pCPU 2 is not online
    CHECK(d->vcpus[0].hard_affinity == before);
    CHECK(set(0x02, 0, 0) == -kEINVAL);                      // neither hard nor soft
    REQUIRE(set(0xff, 0x01, XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT) == 0);
    CHECK(*hard == 0x03);  // effective: the online pCPUs
    CHECK(*soft == 0x01);
    REQUIRE(set(0x02, 0, XEN_VCPUAFFINITY_HARD) == 0);
    CHECK(d->vcpus[0].pcpu == 1);  // moved to its only allowed pCPU
    *hard = 0;
    z.op()->u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
    REQUIRE(z.domctl(XEN_DOMCTL_getvcpuaffinity, id) == 0);
    CHECK(*hard == 0x02);
    z.op()->u.vcpuaffinity.vcpu = 1;
    CHECK(z.domctl(XEN_DOMCTL_getvcpuaffinity, id) == -kEINVAL);  // no vCPU 1
    CHECK(z.destroy(id) == 0);
    set_nr_cpus(1);
    for (u32 c = 0; c < 2; ++c) cpu(c) = PerCpu{};
}

TEST_CASE("foreign mapping: dom0 only; a mapped page outlives its destroyed owner") {
    Dom0 z;
    test::TestDomain other(9);
    // dom0's stage-2 tables for the hole are made once and kept: not part of the accounting.
    REQUIRE(z.d->p2m.map(IPAddr(kHoleGfn << kPageShift), PAddr(0x1000), kPageSize, mm::P2mType::kMmio,
                         mm::Perm::kRead));
    z.d->p2m.unmap(IPAddr(kHoleGfn << kPageShift), kPageSize);
    usize free0 = mm::pages().free_pages();
    REQUIRE(z.create() == 0);
    u16 id = z.op()->domain;
    REQUIRE(z.max_mem(id, 64) == 0);
    REQUIRE(z.populate(id, kRamGfn, 2) == 2);
    CHECK(z.map_foreign(id, kRamGfn + 5, kHoleGfn) == -kEINVAL);  // not populated
    CHECK(z.map_foreign(777, kRamGfn, kHoleGfn) == -kESRCH);
    REQUIRE(z.map_foreign(id, kRamGfn + 1, kHoleGfn) == 0);
    mm::P2mEntry e = z.d->p2m.lookup(IPAddr(kHoleGfn << kPageShift));
    CHECK(e.type == mm::P2mType::kForeign);
    CHECK(e.pa == domain_by_id(id)->p2m.lookup(IPAddr((kRamGfn + 1) << kPageShift)).pa);
    std::memcpy(reinterpret_cast<void*>(e.pa.raw()), "hello", 6);
    // An unprivileged domain may not map others' memory.
    auto* b = other.ram<xen_add_to_physmap_batch>();
    *b = xen_add_to_physmap_batch{};
    b->domid = DOMID_SELF;
    b->space = XENMAPSPACE_gmfn_foreign;
    b->u.foreign_domid = id;
    CHECK(call(other.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, other.gva(b).raw()) == -kEPERM);
    // Destroy while mapped: the page stays until dom0 unmaps it.
    REQUIRE(z.destroy(id) == 0);
    CHECK(mm::pages().refs(e.pa) == 1);
    CHECK(std::memcmp(reinterpret_cast<void*>(e.pa.raw()), "hello", 6) == 0);
    CHECK(mm::pages().free_pages() == free0 - 1);
    auto* rm = z.d.ram<xen_remove_from_physmap>(1);
    rm->domid = DOMID_SELF;
    rm->gpfn = kHoleGfn;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, z.d.gva(rm).raw()) == 0);
    CHECK(mm::pages().free_pages() == free0);
}

TEST_CASE("acquire_resource: grant-table size query, then the frames mapped into dom0") {
    Dom0 z;
    REQUIRE(z.create() == 0);
    u16 id = z.op()->domain;
    auto* gfns = z.d.ram<xen_pfn_t>(2);
    gfns[0] = kHoleGfn;
    gfns[1] = kHoleGfn + 1;
    auto* r = z.d.ram<xen_mem_acquire_resource>(1);
    *r = xen_mem_acquire_resource{};
    r->domid = id;
    r->type = XENMEM_resource_grant_table;
    r->id = XENMEM_resource_grant_table_id_shared;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_acquire_resource, z.d.gva(r).raw()) == 0);
    CHECK(r->nr_frames == 4);  // max_grant_frames of the domain
    r->nr_frames = 2;
    r->frame = 3;  // 3 + 2 > 4
    r->frame_list.p = reinterpret_cast<xen_pfn_t*>(z.d.gva(gfns).raw());
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_acquire_resource, z.d.gva(r).raw()) == -kEINVAL);
    r->frame = 0;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_acquire_resource, z.d.gva(r).raw()) == 0);
    Domain* d = domain_by_id(id);
    CHECK(z.d->p2m.lookup(IPAddr((kHoleGfn + 1) << kPageShift)).pa == d->gnttab.frames[1]);
    r->id = XENMEM_resource_grant_table_id_status;
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_acquire_resource, z.d.gva(r).raw()) == -kEINVAL);
    REQUIRE(z.destroy(id) == 0);
    auto* rm = z.d.ram<xen_remove_from_physmap>(3);
    for (u64 g : {kHoleGfn, kHoleGfn + 1}) {
        rm->domid = DOMID_SELF;
        rm->gpfn = g;
        CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, z.d.gva(rm).raw()) == 0);
    }
}

TEST_CASE("fifty create/populate/destroy cycles leave free memory exactly where it was") {
    Dom0 z;
    usize free0 = mm::pages().free_pages();
    for (int i = 0; i < 50; ++i) {
        REQUIRE(z.create(2) == 0);
        u16 id = z.op()->domain;
        REQUIRE(z.max_mem(id, 4 * 32) == 0);
        REQUIRE(z.populate(id, kRamGfn, 32) == 32);
        REQUIRE(z.destroy(id) == 0);
    }
    CHECK(mm::pages().free_pages() == free0);
}

TEST_CASE("sysctl physinfo and readconsole") {
    Dom0 z;
    auto* sys = z.d.ram<xen_sysctl>(1);
    *sys = xen_sysctl{};
    sys->cmd = XEN_SYSCTL_physinfo;
    sys->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_sysctl, z.d.gva(sys).raw()) == 0);
    CHECK(sys->u.physinfo.nr_cpus == nr_cpus());
    CHECK(sys->u.physinfo.free_pages == mm::pages().free_pages());
    CHECK(sys->u.physinfo.total_pages >= sys->u.physinfo.free_pages);
    auto* buf = z.d.ram<char>(2);
    *sys = xen_sysctl{};
    sys->cmd = XEN_SYSCTL_readconsole;
    sys->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    sys->u.readconsole.buffer.q = z.d.gva(buf).raw();
    sys->u.readconsole.count = 4096;
    sys->u.readconsole.clear = 1;  // xl dmesg -c: what earlier tests printed goes
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_sysctl, z.d.gva(sys).raw()) == 0);
    console::print("(tessera) a line for dmesg\n");
    sys->u.readconsole.clear = 0;
    sys->u.readconsole.count = 4096;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_sysctl, z.d.gva(sys).raw()) == 0);
    CHECK(sys->u.readconsole.count == 27);
    std::string text(buf, sys->u.readconsole.count);
    CHECK(text.find("a line for dmesg") != std::string::npos);
    // Incremental from the returned index: nothing new.
    sys->u.readconsole.incremental = 1;
    sys->u.readconsole.count = 4096;
    REQUIRE(call(z.d.vcpu(), __HYPERVISOR_sysctl, z.d.gva(sys).raw()) == 0);
    CHECK(sys->u.readconsole.count == 0);
}

TEST_CASE("a direct-mapped domain's balloon gives pages back with one TLB flush per call") {
    Dom0 z;
    z.d->direct_mapped = true;
    z.d->ram[0] = {PAddr(test::kGuestRamBase + (32 << kPageShift)), 16 << kPageShift};
    z.d->nr_ram = 1;
    u64 first = (test::kGuestRamBase >> kPageShift) + 32;
    auto* list = z.d.ram<xen_pfn_t>(2);
    for (u64 i = 0; i < 8; ++i) list[i] = first + i;
    auto* r = z.d.ram<xen_memory_reservation>(1);
    *r = xen_memory_reservation{};
    r->extent_start.p = reinterpret_cast<xen_pfn_t*>(z.d.gva(list).raw());
    r->nr_extents = 8;
    r->domid = DOMID_SELF;
    u16 vmid = z.d->p2m.vmid();
    int flushes = fake::g_state.tlb_flushes[vmid];
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_decrease_reservation, z.d.gva(r).raw()) == 8);
    CHECK(fake::g_state.tlb_flushes[vmid] == flushes + 1);
    for (u64 i = 0; i < 8; ++i) CHECK_FALSE(z.d->p2m.lookup(IPAddr((first + i) << kPageShift)).valid());
    // And back (the frames are still dom0's).
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_populate_physmap, z.d.gva(r).raw()) == 8);
    CHECK(z.d->p2m.lookup(IPAddr(first << kPageShift)).pa.raw() == first << kPageShift);
    // Pages outside its boot RAM are refused.
    list[0] = first + 100;
    r->nr_extents = 1;
    CHECK(call(z.d.vcpu(), __HYPERVISOR_memory_op, XENMEM_decrease_reservation, z.d.gva(r).raw()) == 0);
    z.d->direct_mapped = false;
}
