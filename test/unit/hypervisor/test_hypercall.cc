// Hypercalls through the dispatcher: registers in, x0 out, arguments in guest memory.
#include <cstring>

#include "arch/host/fake.h"
#include "hv/hypercall.h"
#include "world.h"

using namespace hv;
using test::call;

namespace {

}  // namespace

TEST_CASE("the table names the implemented hypercalls; others answer -ENOSYS") {
    CHECK(std::string(hypercall::name(__HYPERVISOR_event_channel_op)) == "event_channel_op");
    CHECK(std::string(hypercall::name(__HYPERVISOR_console_io)) == "console_io");
    CHECK(hypercall::name(__HYPERVISOR_multicall) == nullptr);
    CHECK(hypercall::name(1000) == nullptr);
    test::TestDomain d(1);
    CHECK(call(d.vcpu(), __HYPERVISOR_multicall) == -kENOSYS);
    CHECK(call(d.vcpu(), 63) == -kENOSYS);
    CHECK(call(d.vcpu(), 1u << 20) == -kENOSYS);
}

TEST_CASE("xen_version: 4.17, and the feature bits Linux needs for dom0 and domUs") {
    test::TestDomain d0(0, 1, 16, true), du(7);
    d0->direct_mapped = true;
    CHECK(call(d0.vcpu(), __HYPERVISOR_xen_version, XENVER_version) == ((4 << 16) | 17));
    auto* fi = d0.ram<xen_feature_info>();
    fi->submap_idx = 0;
    REQUIRE(call(d0.vcpu(), __HYPERVISOR_xen_version, XENVER_get_features, d0.gva(fi).raw()) == 0);
    CHECK(fi->submap == ((1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_dom0) |
                         (1u << XENFEAT_direct_mapped)));
    auto* fu = du.ram<xen_feature_info>();
    fu->submap_idx = 0;
    REQUIRE(call(du.vcpu(), __HYPERVISOR_xen_version, XENVER_get_features, du.gva(fu).raw()) == 0);
    CHECK(fu->submap == ((1u << XENFEAT_auto_translated_physmap) |
                         (1u << XENFEAT_not_direct_mapped)));
    // A pointer outside the guest's RAM is -EFAULT, not a crash.
    CHECK(call(du.vcpu(), __HYPERVISOR_xen_version, XENVER_get_features, 0x1000) == -kEFAULT);
    CHECK(call(du.vcpu(), __HYPERVISOR_xen_version, XENVER_get_features,
               test::kGuestRamBase + (64 << 12) - 4) == -kEFAULT);  // runs off the end of RAM
}

TEST_CASE("console_io writes for dom0 only") {
    test::TestDomain d0(0, 1, 16, true), du(7);
    char* msg = d0.ram<char>();
    std::strcpy(msg, "hello from dom0\n");
    fake::ConsoleCapture con;
    CHECK(call(d0.vcpu(), __HYPERVISOR_console_io, CONSOLEIO_write, 16, d0.gva(msg).raw()) == 0);
    CHECK(con.text() == "hello from dom0\r\n");
    CHECK(call(du.vcpu(), __HYPERVISOR_console_io, CONSOLEIO_write, 5, du.gva(du.ram()).raw()) ==
          -kEPERM);
    CHECK(call(d0.vcpu(), __HYPERVISOR_console_io, 7, 0, 0) == -kEINVAL);
}

TEST_CASE("event channels through the hypercall: alloc, bind, send, status, close") {
    test::TestDomain a(1), b(2);
    auto* alloc = a.ram<evtchn_alloc_unbound>();
    alloc->dom = DOMID_SELF;
    alloc->remote_dom = 2;
    REQUIRE(call(a.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
                 a.gva(alloc).raw()) == 0);
    u32 pa = alloc->port;
    CHECK(pa > 0);
    auto* bind = b.ram<evtchn_bind_interdomain>();
    bind->remote_dom = 1;
    bind->remote_port = pa;
    REQUIRE(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain,
                 b.gva(bind).raw()) == 0);
    u32 pb = bind->local_port;
    auto* st = b.ram<evtchn_status>(1);
    st->dom = DOMID_SELF;
    st->port = pb;
    REQUIRE(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_status, b.gva(st).raw()) == 0);
    CHECK(st->status == EVTCHNSTAT_interdomain);
    CHECK(st->u.interdomain.dom == 1);
    CHECK(st->u.interdomain.port == pa);
    // An unprivileged domain cannot look at another's ports or allocate for it.
    st->dom = 1;
    CHECK(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_status, b.gva(st).raw()) ==
          -kEPERM);
    alloc->dom = 2;
    CHECK(call(a.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
               a.gva(alloc).raw()) == -kEPERM);
    b->shared_info->evtchn_pending[0] = 0;
    auto* send = a.ram<evtchn_send>(2);
    send->port = pa;
    REQUIRE(call(a.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_send, a.gva(send).raw()) == 0);
    CHECK(b.port_pending(pb));
    auto* cl = b.ram<evtchn_close>(2);
    cl->port = pb;
    CHECK(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_close, b.gva(cl).raw()) == 0);
    CHECK(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_close, b.gva(cl).raw()) ==
          -kEINVAL);
    CHECK(call(b.vcpu(), __HYPERVISOR_event_channel_op, EVTCHNOP_init_control, 0) == -kENOSYS);
}

TEST_CASE("memory_op: shared_info and grant frames are placed where the guest asks") {
    test::TestDomain d(3);
    auto* xatp = d.ram<xen_add_to_physmap>();
    xatp->domid = DOMID_SELF;
    xatp->space = XENMAPSPACE_shared_info;
    xatp->idx = 0;
    xatp->gpfn = d.gfn(10);
    REQUIRE(call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap, d.gva(xatp).raw()) == 0);
    mm::P2mEntry e = d->p2m.lookup(IPAddr(d.gfn(10) << kPageShift));
    CHECK(e.pa == d->shared_info_page);
    // Grant frames: within the limit only, v1 only.
    d->gnttab.max_frames = 2;
    xatp->space = XENMAPSPACE_grant_table;
    xatp->idx = 1;
    xatp->gpfn = d.gfn(20);
    REQUIRE(call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap, d.gva(xatp).raw()) == 0);
    CHECK(d->gnttab.nr_frames == 2);
    CHECK(d->p2m.lookup(IPAddr(d.gfn(20) << kPageShift)).pa == d->gnttab.frames[1]);
    xatp->idx = 2;
    CHECK(call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap, d.gva(xatp).raw()) ==
          -kEINVAL);
    xatp->idx = XENMAPIDX_grant_table_status;
    CHECK(call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap, d.gva(xatp).raw()) ==
          -kEINVAL);
    // Another domain's physmap is off limits to an unprivileged caller.
    xatp->domid = 0;
    CHECK(call(d.vcpu(), __HYPERVISOR_memory_op, XENMEM_add_to_physmap, d.gva(xatp).raw()) < 0);
}

TEST_CASE("vcpu_op register_vcpu_info validates and marks everything pending") {
    test::TestDomain d(3, 2);
    d.vcpu(0).vcpu_info = nullptr;
    auto* info = d.ram<vcpu_register_vcpu_info>();
    info->mfn = d.gfn(5);
    info->offset = 4096 - 8;  // does not fit
    CHECK(call(d.vcpu(), __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, d.gva(info).raw()) ==
          -kEINVAL);
    info->offset = 64;
    REQUIRE(call(d.vcpu(), __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, d.gva(info).raw()) ==
            0);
    CHECK(reinterpret_cast<u8*>(d.vcpu(0).vcpu_info) == d.ram<u8>(5) + 64);
    CHECK(d.vcpu(0).vcpu_info->evtchn_upcall_pending == 1);
    CHECK(d.vcpu(0).vcpu_info->evtchn_pending_sel == ~u64{0});
    CHECK(call(d.vcpu(), __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, d.gva(info).raw()) ==
          -kEINVAL);  // once only
    CHECK(call(d.vcpu(), __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 9, d.gva(info).raw()) ==
          -kENOENT);
    CHECK(call(d.vcpu(), __HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, 0) == 0);
}

TEST_CASE("hvm_op: a guest reads its own store parameters; only dom0 sets them") {
    test::TestDomain d0(0, 1, 16, true), du(9);
    du->hvm_params[HVM_PARAM_STORE_EVTCHN] = 7;
    auto* p = du.ram<xen_hvm_param>();
    p->domid = DOMID_SELF;
    p->index = HVM_PARAM_STORE_EVTCHN;
    REQUIRE(call(du.vcpu(), __HYPERVISOR_hvm_op, HVMOP_get_param, du.gva(p).raw()) == 0);
    CHECK(p->value == 7);
    CHECK(call(du.vcpu(), __HYPERVISOR_hvm_op, HVMOP_set_param, du.gva(p).raw()) == -kEPERM);
    p->index = HVM_NR_PARAMS;
    CHECK(call(du.vcpu(), __HYPERVISOR_hvm_op, HVMOP_get_param, du.gva(p).raw()) == -kEINVAL);
    auto* q = d0.ram<xen_hvm_param>();
    q->domid = 9;
    q->index = HVM_PARAM_CONSOLE_PFN;
    q->value = 0x39000;
    REQUIRE(call(d0.vcpu(), __HYPERVISOR_hvm_op, HVMOP_set_param, d0.gva(q).raw()) == 0);
    CHECK(du->hvm_params[HVM_PARAM_CONSOLE_PFN] == 0x39000);
    // dom0's own STORE_EVTCHN reads 0: Linux then sets up xenstore locally (XEN-ABI.md §2.3).
    q->domid = DOMID_SELF;
    q->index = HVM_PARAM_STORE_EVTCHN;
    REQUIRE(call(d0.vcpu(), __HYPERVISOR_hvm_op, HVMOP_get_param, d0.gva(q).raw()) == 0);
    CHECK(q->value == 0);
}

TEST_CASE("platform_op settime64 from dom0 sets every domain's wallclock; others are refused") {
    test::TestDomain d0(0, 1, 16, true), du(9);
    auto* op = d0.ram<xen_platform_op>();
    *op = {};
    op->cmd = XENPF_settime64;
    op->interface_version = XENPF_INTERFACE_VERSION;
    op->u.settime64.secs = 1795319221;   // UTC now
    op->u.settime64.nsecs = 500000000;
    op->u.settime64.system_time = 2500000000ull;  // 2.5 s since counter zero
    u32 version = du->shared_info->wc_version;
    REQUIRE(call(d0.vcpu(), __HYPERVISOR_platform_op, d0.gva(op).raw()) == 0);
    CHECK(du->shared_info->wc_sec == 1795319219u);  // UTC at counter zero
    CHECK(du->shared_info->wc_nsec == 0u);
    CHECK(du->shared_info->wc_sec_hi == 0u);
    CHECK(du->shared_info->wc_version == version + 2);  // even again: stable
    auto* uop = du.ram<xen_platform_op>();
    *uop = *op;
    CHECK(call(du.vcpu(), __HYPERVISOR_platform_op, du.gva(uop).raw()) == -kEPERM);
    op->interface_version = 1;
    CHECK(call(d0.vcpu(), __HYPERVISOR_platform_op, d0.gva(op).raw()) == -kEACCES);
}
