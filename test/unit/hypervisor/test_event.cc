// Event channels: port life cycle and 2-level delivery (XEN-ABI.md §1.5).
#include "hv/event.h"
#include "hv/vgic.h"
#include "world.h"

using namespace hv;

namespace {
bool upcall_pending(Vcpu& v) { return v.vcpu_info->evtchn_upcall_pending != 0; }
bool ppi_pending(Vcpu& v) { return v.irqs.priv[event::kUpcallPpi].pending; }
void clear_upcall(Vcpu& v) {
    v.vcpu_info->evtchn_upcall_pending = 0;
    v.vcpu_info->evtchn_pending_sel = 0;
    v.irqs.priv[event::kUpcallPpi].pending = false;
}
}  // namespace

TEST_CASE("an interdomain channel delivers to the peer: pending bit, selector, upcall, PPI") {
    test::TestDomain a(1), b(2);
    i64 pa = event::alloc_unbound(*a, 2);
    REQUIRE(pa > 0);
    i64 pb = event::bind_interdomain(*b, *a, static_cast<u32>(pa));
    REQUIRE(pb > 0);
    // Binding raises the new local port once, so nothing sent before the bind is lost.
    CHECK(b.port_pending(static_cast<u32>(pb)));
    clear_upcall(b.vcpu());
    b->shared_info->evtchn_pending[0] = 0;

    REQUIRE(event::send(*a, static_cast<u32>(pa)) == 0);
    CHECK(b.port_pending(static_cast<u32>(pb)));
    CHECK_FALSE(a.port_pending(static_cast<u32>(pa)));
    CHECK(((b.vcpu().vcpu_info->evtchn_pending_sel >> (pb / 64)) & 1) == 1);
    CHECK(upcall_pending(b.vcpu()));
    CHECK(ppi_pending(b.vcpu()));

    // Already pending: a second send changes nothing and injects nothing.
    clear_upcall(b.vcpu());
    REQUIRE(event::send(*a, static_cast<u32>(pa)) == 0);
    CHECK_FALSE(upcall_pending(b.vcpu()));

    // Back the other way.
    REQUIRE(event::send(*b, static_cast<u32>(pb)) == 0);
    CHECK(a.port_pending(static_cast<u32>(pa)));
}

TEST_CASE("a masked port latches; unmask delivers") {
    test::TestDomain a(1), b(2);
    i64 pa = event::alloc_unbound(*a, 2);
    i64 pb = event::bind_interdomain(*b, *a, static_cast<u32>(pa));
    b->shared_info->evtchn_pending[0] = 0;
    clear_upcall(b.vcpu());
    b->shared_info->evtchn_mask[pb / 64] |= u64{1} << (pb % 64);
    REQUIRE(event::send(*a, static_cast<u32>(pa)) == 0);
    CHECK(b.port_pending(static_cast<u32>(pb)));
    CHECK_FALSE(upcall_pending(b.vcpu()));
    REQUIRE(event::unmask(*b, static_cast<u32>(pb)) == 0);
    CHECK(upcall_pending(b.vcpu()));
    CHECK(ppi_pending(b.vcpu()));
}

TEST_CASE("sending on an unbound port succeeds silently; bad ports are refused") {
    test::TestDomain a(1);
    i64 p = event::alloc_unbound(*a, 5);
    REQUIRE(p > 0);
    CHECK(event::send(*a, static_cast<u32>(p)) == 0);
    CHECK(event::send(*a, 0) == -kEINVAL);
    CHECK(event::send(*a, 999) == -kEINVAL);
    CHECK(event::send(*a, event::kMaxPorts + 5) == -kEINVAL);
    CHECK(event::close(*a, 0) == -kEINVAL);
    CHECK(event::close(*a, 77) == -kEINVAL);
    CHECK(event::unmask(*a, event::kMaxPorts) == -kEINVAL);
}

TEST_CASE("only the named remote domain may bind an unbound port") {
    test::TestDomain a(1), b(2), c(3);
    i64 pa = event::alloc_unbound(*a, 2);
    CHECK(event::bind_interdomain(*c, *a, static_cast<u32>(pa)) == -kEINVAL);
    CHECK(event::bind_interdomain(*b, *a, static_cast<u32>(pa)) > 0);
    CHECK(event::bind_interdomain(*b, *a, static_cast<u32>(pa)) == -kEINVAL);  // taken
}

TEST_CASE("dom0's xenstore loopback: a domain binds to its own unbound port") {
    test::TestDomain d0(0, 1, 16, true);
    i64 kernel_port = event::alloc_unbound(*d0, DOMID_SELF);
    REQUIRE(kernel_port > 0);
    i64 daemon_port = event::bind_interdomain(*d0, *d0, static_cast<u32>(kernel_port));
    REQUIRE(daemon_port > 0);
    CHECK(daemon_port != kernel_port);
    d0->shared_info->evtchn_pending[0] = 0;
    REQUIRE(event::send(*d0, static_cast<u32>(daemon_port)) == 0);
    CHECK(d0.port_pending(static_cast<u32>(kernel_port)));
    CHECK_FALSE(d0.port_pending(static_cast<u32>(daemon_port)));
}

TEST_CASE("closing one end leaves the peer unbound and rebindable") {
    test::TestDomain a(1), b(2);
    i64 pa = event::alloc_unbound(*a, 2);
    i64 pb = event::bind_interdomain(*b, *a, static_cast<u32>(pa));
    REQUIRE(event::close(*b, static_cast<u32>(pb)) == 0);
    CHECK(a->evtchn.ports[pa].state == event::PortState::kUnbound);
    CHECK(event::send(*a, static_cast<u32>(pa)) == 0);  // nobody listens: silent
    CHECK(event::bind_interdomain(*b, *a, static_cast<u32>(pa)) > 0);
    event::close_all(*a);
    CHECK(b->evtchn.ports[pb].state != event::PortState::kInterdomain);
}

TEST_CASE("VIRQs: global ones on vCPU 0 only, once each; raised when bound") {
    test::TestDomain a(1, 2);
    CHECK(event::bind_virq(*a, VIRQ_CONSOLE, 1) == -kEINVAL);
    CHECK(event::bind_virq(*a, 99, 0) == -kEINVAL);
    CHECK(event::bind_virq(*a, VIRQ_TIMER, 5) == -kENOENT);
    i64 p = event::bind_virq(*a, VIRQ_CONSOLE, 0);
    REQUIRE(p > 0);
    CHECK(event::bind_virq(*a, VIRQ_CONSOLE, 0) == -kEEXIST);
    event::raise_virq(*a, VIRQ_DOM_EXC);  // not bound: nothing
    CHECK_FALSE(upcall_pending(a.vcpu()));
    event::raise_virq(*a, VIRQ_CONSOLE);
    CHECK(a.port_pending(static_cast<u32>(p)));
    CHECK(upcall_pending(a.vcpu(0)));
    CHECK_FALSE(upcall_pending(a.vcpu(1)));
    REQUIRE(event::close(*a, static_cast<u32>(p)) == 0);
    CHECK(event::bind_virq(*a, VIRQ_CONSOLE, 0) > 0);  // free again after close
}

TEST_CASE("bind_vcpu moves delivery to another vCPU") {
    test::TestDomain a(1), b(2, 2);
    i64 pa = event::alloc_unbound(*a, 2);
    i64 pb = event::bind_interdomain(*b, *a, static_cast<u32>(pa));
    REQUIRE(event::bind_vcpu(*b, static_cast<u32>(pb), 1) == 0);
    CHECK(event::bind_vcpu(*b, static_cast<u32>(pb), 7) == -kENOENT);
    b->shared_info->evtchn_pending[0] = 0;
    clear_upcall(b.vcpu(0));
    clear_upcall(b.vcpu(1));
    REQUIRE(event::send(*a, static_cast<u32>(pa)) == 0);
    CHECK(upcall_pending(b.vcpu(1)));
    CHECK_FALSE(upcall_pending(b.vcpu(0)));
}

TEST_CASE("ports run out with -ENOSPC") {
    test::TestDomain a(1);
    a->evtchn.max_port = 10;
    for (int i = 1; i <= 10; ++i) REQUIRE(event::alloc_unbound(*a, 0) == i);
    CHECK(event::alloc_unbound(*a, 0) == -kENOSPC);
}
