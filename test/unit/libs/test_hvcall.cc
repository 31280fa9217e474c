// libs/hvcall: the real devices fail cleanly on a host; the typed wrappers against FakeHypervisor.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstring>

#include "hvcall/control.hpp"
#include "hvcall/fake_hypervisor.hpp"
#include "hvcall/privcmd.hpp"

using namespace tessera::xen;

TEST_CASE("Privcmd reports a missing device with ENOENT and its path", "[hvcall]") {
    auto missing = Privcmd::open("/nonexistent/xen/privcmd", "/nonexistent/xen/hypercall");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message ==
          "cannot open /nonexistent/xen/privcmd: No such file or directory");
    if (::access(kPrivcmdDevice, F_OK) != 0) {  // a build machine without Xen
        auto real = Privcmd::open();
        REQUIRE_FALSE(real);
        CHECK(real.error().code == ENOENT);
        CHECK(real.error().message.find("/dev/xen/privcmd") != std::string::npos);
    }
}

TEST_CASE("domctl sets the interface version and goes through a hypercall buffer", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_domctl(XEN_DOMCTL_createdomain, [&](xen_domctl& op) -> long {
        CHECK(hv.in_buffer(&op, sizeof op));
        op.domain = 7;
        return 0;
    });
    xen_domctl_createdomain config{};
    config.max_vcpus = 2;
    config.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    auto domid = create_domain(hv, config);
    REQUIRE(domid);
    CHECK(*domid == 7);
    auto seen = hv.domctls();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].interface_version == XEN_DOMCTL_INTERFACE_VERSION);
    CHECK(seen[0].u.createdomain.max_vcpus == 2);
    CHECK(hv.live_buffers() == 0);  // the buffer went back on return
}

TEST_CASE("the fake enforces buffers, versions and unknown ops like Xen", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_domctl(XEN_DOMCTL_pausedomain, [](xen_domctl&) { return 0L; });
    // A struct on the stack is not hypercall-safe memory.
    xen_domctl on_stack{};
    on_stack.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    on_stack.cmd = XEN_DOMCTL_pausedomain;
    auto raw = hv.hypercall(__HYPERVISOR_domctl,
                            {reinterpret_cast<std::uintptr_t>(&on_stack), 0, 0, 0, 0});
    CHECK(raw.error().code == EFAULT);
    // A stale interface version is EACCES.
    auto buffer = hv.allocate<xen_domctl>();
    REQUIRE(buffer);
    (*buffer)->cmd = XEN_DOMCTL_pausedomain;
    (*buffer)->interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    CHECK(hv.hypercall(__HYPERVISOR_domctl, {buffer->address(), 0, 0, 0, 0}).error().code ==
          EACCES);
    // Nobody scripted unpause: ENOSYS, named in the message.
    auto unpause = unpause_domain(hv, 3);
    REQUIRE_FALSE(unpause);
    CHECK(unpause.error().code == ENOSYS);
    CHECK(unpause.error().message.rfind("XEN_DOMCTL_unpausedomain: ", 0) == 0);
    CHECK(pause_domain(hv, 3));
}

TEST_CASE("getdomaininfo for a missing domain is ESRCH, not the next domain", "[hvcall]") {
    FakeHypervisor hv;
    // Xen 4.17 answers with the first domain at or above the id asked for.
    hv.on_domctl(XEN_DOMCTL_getdomaininfo, [](xen_domctl& op) -> long {
        if (op.domain > 5) return -ESRCH;
        op.u.getdomaininfo.domain = 5;
        op.u.getdomaininfo.tot_pages = 1234;
        return 0;
    });
    auto five = get_domain_info(hv, 5);
    REQUIRE(five);
    CHECK(five->tot_pages == 1234);
    CHECK(get_domain_info(hv, 3).error().code == ESRCH);
    CHECK(get_domain_info(hv, 9).error().code == ESRCH);
}

TEST_CASE("domain_life reduces getdomaininfo to running, shutdown, dying or gone", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_domctl(XEN_DOMCTL_getdomaininfo, [](xen_domctl& op) -> long {
        if (op.domain > 4) return -ESRCH;
        op.u.getdomaininfo.domain = op.domain == 0 ? 1 : op.domain;  // no domain 0 here
        const std::uint32_t crashed = XEN_DOMINF_shutdown | (3U << XEN_DOMINF_shutdownshift);
        const std::uint32_t flags[] = {0, XEN_DOMINF_running | XEN_DOMINF_blocked, crashed,
                                       XEN_DOMINF_dying | XEN_DOMINF_shutdown, XEN_DOMINF_paused};
        op.u.getdomaininfo.flags = flags[op.u.getdomaininfo.domain];
        return 0;
    });
    CHECK(domain_life(hv, 1).value() == DomainLife::running);
    CHECK(domain_life(hv, 2).value() == DomainLife::shutdown);
    CHECK(domain_life(hv, 3).value() == DomainLife::dying);
    CHECK(domain_life(hv, 4).value() == DomainLife::running);
    CHECK(domain_life(hv, 0).value() == DomainLife::gone);  // Xen answered with domain 1
    CHECK(domain_life(hv, 7).value() == DomainLife::gone);
    CHECK(std::string(domain_life_name(DomainLife::dying)) == "dying");

    FakeHypervisor unscripted;
    CHECK(domain_life(unscripted, 1).error().code == ENOSYS);
}

TEST_CASE("nested arguments live in hypercall buffers", "[hvcall]") {
    FakeHypervisor hv;
    vcpu_guest_context_t stored{};
    hv.on_domctl(XEN_DOMCTL_setvcpucontext, [&](xen_domctl& op) -> long {
        auto* ctxt = guest_handle_pointer<vcpu_guest_context_t>(op.u.vcpucontext.ctxt);
        if (!hv.in_buffer(ctxt, sizeof *ctxt)) return -EFAULT;
        stored = *ctxt;
        return 0;
    });
    hv.on_domctl(XEN_DOMCTL_getvcpucontext, [&](xen_domctl& op) -> long {
        auto* ctxt = guest_handle_pointer<vcpu_guest_context_t>(op.u.vcpucontext.ctxt);
        if (!hv.in_buffer(ctxt, sizeof *ctxt)) return -EFAULT;
        *ctxt = stored;
        return 0;
    });
    vcpu_guest_context_t context{};
    context.user_regs.pc64 = 0x40080000;
    context.user_regs.x0 = 0x48000000;
    REQUIRE(set_vcpu_context(hv, 1, 0, context));
    auto back = get_vcpu_context(hv, 1, 0);
    REQUIRE(back);
    CHECK(back->user_regs.pc64 == 0x40080000);
    CHECK(back->user_regs.x0 == 0x48000000);
}

TEST_CASE("vCPU affinity passes bitmaps both ways", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_domctl(XEN_DOMCTL_setvcpuaffinity, [&](xen_domctl& op) -> long {
        auto& a = op.u.vcpuaffinity;
        if (a.flags != (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)) return -EINVAL;
        auto* hard = guest_handle_pointer<std::uint8_t>(a.cpumap_hard.bitmap);
        if (!hv.in_buffer(hard, a.cpumap_hard.nr_bits / 8)) return -EFAULT;
        hard[0] &= 0x0f;  // Xen writes back the effective map (only 4 pCPUs online)
        return 0;
    });
    auto effective = set_vcpu_affinity(hv, 2, 0, VcpuAffinity{{0xff}, {0x03}});
    REQUIRE(effective);
    CHECK(effective->hard == std::vector<std::uint8_t>{0x0f});
    CHECK(effective->soft == std::vector<std::uint8_t>{0x03});
    CHECK(set_vcpu_affinity(hv, 2, 0, {}).error().code == EINVAL);
}

TEST_CASE("getdomaininfolist copies the domains Xen wrote", "[hvcall]") {
    FakeHypervisor hv;
    hv.on_sysctl(XEN_SYSCTL_getdomaininfolist, [&](xen_sysctl& op) -> long {
        auto& list = op.u.getdomaininfolist;
        auto* out = guest_handle_pointer<xen_domctl_getdomaininfo_t>(list.buffer);
        if (!hv.in_buffer(out, list.max_domains * sizeof *out)) return -EFAULT;
        out[0].domain = 0;
        out[1].domain = 4;
        list.num_domains = 2;
        return 0;
    });
    auto domains = get_domain_info_list(hv, 0, 16);
    REQUIRE(domains);
    REQUIRE(domains->size() == 2);
    CHECK((*domains)[1].domain == 4);
}

TEST_CASE("populate_physmap for another domain; a short count is ENOMEM", "[hvcall]") {
    FakeHypervisor hv;
    std::vector<xen_pfn_t> seen;
    hv.on_memory_op(XENMEM_populate_physmap, [&](void* arg) -> long {
        auto* r = static_cast<xen_memory_reservation*>(arg);
        auto* frames = guest_handle_pointer<xen_pfn_t>(r->extent_start);
        if (!hv.in_buffer(frames, r->nr_extents * sizeof(xen_pfn_t))) return -EFAULT;
        if (r->domid != 9) return -ESRCH;
        seen.assign(frames, frames + r->nr_extents);
        return r->nr_extents > 2 ? 2 : static_cast<long>(r->nr_extents);
    });
    const std::array<xen_pfn_t, 2> two{0x40000, 0x40001};
    REQUIRE(populate_physmap(hv, 9, two));
    CHECK(seen == std::vector<xen_pfn_t>{0x40000, 0x40001});
    const std::array<xen_pfn_t, 3> three{1, 2, 3};
    auto short_count = populate_physmap(hv, 9, three);
    CHECK(short_count.error().code == ENOMEM);
    CHECK(populate_physmap(hv, 8, two).error().code == ESRCH);
}

TEST_CASE("HVM params, alloc_unbound, max_mem, cacheflush, physinfo", "[hvcall]") {
    FakeHypervisor hv;
    std::uint64_t param = 0;
    hv.on_hvm_op(HVMOP_set_param, [&](void* arg) -> long {
        auto* p = static_cast<xen_hvm_param*>(arg);
        if (p->index != HVM_PARAM_STORE_PFN) return -EINVAL;
        param = p->value;
        return 0;
    });
    hv.on_hvm_op(HVMOP_get_param, [&](void* arg) -> long {
        static_cast<xen_hvm_param*>(arg)->value = param;
        return 0;
    });
    hv.on_event_channel_op(EVTCHNOP_alloc_unbound, [](void* arg) -> long {
        auto* op = static_cast<evtchn_alloc_unbound*>(arg);
        op->port = op->dom == 3 && op->remote_dom == 0 ? 5u : 0u;
        return 0;
    });
    hv.on_domctl(XEN_DOMCTL_max_mem, [](xen_domctl& op) {
        return op.u.max_mem.max_memkb == 262144 ? 0L : -EINVAL;
    });
    hv.on_domctl(XEN_DOMCTL_cacheflush, [](xen_domctl& op) {
        return op.u.cacheflush.nr_pfns == 16 ? 0L : -EINVAL;
    });
    hv.on_sysctl(XEN_SYSCTL_physinfo, [](xen_sysctl& op) {
        op.u.physinfo.nr_cpus = 4;
        return 0L;
    });
    REQUIRE(set_hvm_param(hv, 3, HVM_PARAM_STORE_PFN, 0x38001));
    CHECK(*get_hvm_param(hv, 3, HVM_PARAM_STORE_PFN) == 0x38001);
    CHECK(set_hvm_param(hv, 3, HVM_PARAM_CONSOLE_PFN, 1).error().code == EINVAL);
    CHECK(*alloc_unbound(hv, 3, 0) == 5);
    CHECK(set_max_mem(hv, 3, 262144));
    CHECK(cache_flush(hv, 3, 0x40000, 16));
    CHECK(physinfo(hv)->nr_cpus == 4);
    CHECK(hv.live_buffers() == 0);
    // Every call was recorded with its sub-command.
    REQUIRE(hv.calls().size() == 7);
    CHECK(hv.calls()[0].op == __HYPERVISOR_hvm_op);
    CHECK(hv.calls()[0].cmd == HVMOP_set_param);
    CHECK(hv.calls()[6].cmd == XEN_SYSCTL_physinfo);
}
