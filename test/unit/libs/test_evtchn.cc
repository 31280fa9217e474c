// libs/evtchn: the device fails cleanly on a host; the fake against the driver's behaviour.
#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include "evtchn/fake_event_channels.hpp"

using namespace tessera::xen;

namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);  // timeout 0: a check, not a wait
}

}  // namespace

TEST_CASE("DeviceEventChannels reports a missing device with ENOENT", "[evtchn]") {
    auto missing = DeviceEventChannels::open("/nonexistent/xen/evtchn");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message == "cannot open /nonexistent/xen/evtchn: No such file or directory");
    if (::access(kEvtchnDevice, F_OK) != 0) {
        CHECK(DeviceEventChannels::open().error().code == ENOENT);
    }
}

TEST_CASE("an interdomain pair: notify on one end makes the other pending", "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    FakeEventChannels domu(hub, 5);
    auto unbound = domu.bind_unbound_port(0);
    REQUIRE(unbound);
    CHECK(*unbound == 1);  // lowest free port; 0 is never handed out
    auto local = dom0.bind_interdomain(5, *unbound);
    REQUIRE(local);

    CHECK_FALSE(readable(domu.fd()));
    REQUIRE(dom0.notify(*local));
    CHECK(readable(domu.fd()));
    CHECK(*domu.pending() == std::vector<evtchn_port_t>{*unbound});
    CHECK_FALSE(readable(domu.fd()));
    CHECK(dom0.pending()->empty());

    REQUIRE(domu.notify(*unbound));
    CHECK(*dom0.pending() == std::vector<evtchn_port_t>{*local});
}

TEST_CASE("a fired port stays masked until written back", "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    hub.add_domain(3);
    auto guest_port = hub.alloc_unbound(3, 0);  // the guest kernel's end, no descriptor
    REQUIRE(guest_port);
    auto port = dom0.bind_interdomain(3, *guest_port);
    REQUIRE(port);

    REQUIRE(hub.send(3, *guest_port));
    REQUIRE(hub.send(3, *guest_port));  // while masked: no second entry
    CHECK(dom0.pending()->size() == 1);
    CHECK(dom0.pending()->empty());
    REQUIRE(dom0.unmask(*port));  // it was signalled meanwhile: fires again at once
    CHECK(*dom0.pending() == std::vector<evtchn_port_t>{*port});
    REQUIRE(dom0.unmask(*port));
    CHECK(dom0.pending()->empty());  // nothing new
    REQUIRE(hub.send(3, *guest_port));
    CHECK(dom0.pending()->size() == 1);

    // dom0's notify reaches the guest kernel's port.
    REQUIRE(dom0.notify(*port));
    CHECK(hub.port(3, *guest_port)->signalled == 1);
}

TEST_CASE("binding needs a port left unbound for us", "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    hub.add_domain(4);
    hub.add_domain(6);
    auto for_six = hub.alloc_unbound(4, 6);
    REQUIRE(for_six);
    CHECK(dom0.bind_interdomain(4, *for_six).error().code == EINVAL);
    CHECK(dom0.bind_interdomain(4, 99).error().code == EINVAL);
    CHECK(dom0.bind_interdomain(77, 1).error().code == ESRCH);
    // Loopback to our own domain works (xenstored does this for dom0).
    auto mine = dom0.bind_unbound_port(0);
    REQUIRE(mine);
    CHECK(dom0.bind_interdomain(0, *mine));
}

TEST_CASE("unbind and notify only work on our own ports; close leaves the peer unbound",
          "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    FakeEventChannels other(hub, 0);
    hub.add_domain(2);
    auto remote = hub.alloc_unbound(2, 0);
    auto port = dom0.bind_interdomain(2, *remote);
    REQUIRE(port);
    CHECK(other.notify(*port).error().code == ENOTCONN);
    CHECK(other.unbind(*port).error().code == ENOTCONN);
    CHECK(dom0.unbind(*port));
    CHECK(dom0.unbind(*port).error().code == ENOTCONN);
    auto peer = hub.port(2, *remote);
    REQUIRE(peer);
    CHECK(peer->state == FakeEventHub::State::unbound);
    CHECK(peer->remote_dom == 0);
    CHECK(hub.send(2, *remote));  // dropped silently, as Xen does for an unbound port
    // Writing back a port that is not ours is ignored.
    CHECK(other.unmask(12345));
}

TEST_CASE("closing the descriptor closes its ports", "[evtchn]") {
    FakeEventHub hub;
    hub.add_domain(2);
    auto remote = hub.alloc_unbound(2, 0);
    evtchn_port_t local = 0;
    {
        FakeEventChannels dom0(hub, 0);
        local = *dom0.bind_interdomain(2, *remote);
        CHECK(hub.port(0, local));
    }
    CHECK_FALSE(hub.port(0, local));
    CHECK(hub.port(2, *remote)->state == FakeEventHub::State::unbound);
}

TEST_CASE("VIRQs: bound once, raised by Xen", "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    auto port = dom0.bind_virq(VIRQ_DOM_EXC);
    REQUIRE(port);
    CHECK(dom0.bind_virq(VIRQ_DOM_EXC).error().code == EEXIST);
    CHECK(dom0.bind_virq(NR_VIRQS).error().code == EINVAL);
    CHECK(dom0.notify(*port).error().code == EINVAL);  // EVTCHNOP_send on a VIRQ
    hub.raise_virq(0, VIRQ_DOM_EXC);
    CHECK(*dom0.pending() == std::vector<evtchn_port_t>{*port});
}

TEST_CASE("RESTRICT_DOMID limits later binds", "[evtchn]") {
    FakeEventHub hub;
    FakeEventChannels dom0(hub, 0);
    hub.add_domain(3);
    hub.add_domain(4);
    auto p3 = hub.alloc_unbound(3, 0);
    auto p4 = hub.alloc_unbound(4, 0);
    CHECK(dom0.restrict_domid(0).error().code == EINVAL);
    REQUIRE(dom0.restrict_domid(3));
    CHECK(dom0.restrict_domid(4).error().code == EACCES);
    CHECK(dom0.bind_interdomain(4, *p4).error().code == EACCES);
    CHECK(dom0.bind_unbound_port(3).error().code == EACCES);
    CHECK(dom0.bind_virq(VIRQ_DOM_EXC).error().code == EACCES);
    CHECK(dom0.bind_interdomain(3, *p3));
}
