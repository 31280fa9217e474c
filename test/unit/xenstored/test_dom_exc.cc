// Domain death (VIRQ_DOM_EXC + getdomaininfo): Daemon::check_domains decides, and
// DomainExceptionWatch runs it when the VIRQ fires, here against the libs' fake event channels
// and fake hypervisor.
#include <boost/asio/io_context.hpp>
#include <map>

#include "dom_exc.hpp"
#include "domain_rings.hpp"
#include "evtchn/fake_event_channels.hpp"
#include "fake_devices.hpp"
#include "harness.hpp"
#include "hvcall/fake_hypervisor.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;
namespace xen = tessera::xen;

namespace {

/// A hypervisor whose domains are a map domid -> XEN_DOMINF_* flags (absent: no such domain).
struct Hypervisor {
    Hypervisor() {
        hv.on_domctl(XEN_DOMCTL_getdomaininfo, [this](xen_domctl& op) -> long {
            const auto it = flags.lower_bound(op.domain);  // Xen: the first id >= asked
            if (it == flags.end()) return -ESRCH;
            op.u.getdomaininfo.domain = it->first;
            op.u.getdomaininfo.flags = it->second;
            return 0;
        });
    }
    xen::FakeHypervisor hv;
    std::map<domid_t, std::uint32_t> flags;
};

std::vector<std::string> watch_release(Harness& h) {
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"@releaseDomain", "rel"})).ok());
    return h.events(*h.dom0);  // the watch's initial event
}

template <class Pred>
bool pump(boost::asio::io_context& io, Pred pred) {
    for (int i = 0; i < 1000 && !pred(); ++i) {
        io.restart();
        io.poll();
    }
    return pred();
}

}  // namespace

TEST_CASE("a domain that shuts down fires @releaseDomain once and stays introduced") {
    Harness h;
    Hypervisor x;
    auto guest = h.domain(3);
    watch_release(h);
    x.flags = {{0, XEN_DOMINF_running}, {3, XEN_DOMINF_running}};
    const auto status = [&](DomId id) { return query_domain_status(x.hv, id); };

    CHECK(h.daemon.check_domains(status).empty());
    CHECK(h.events(*h.dom0).empty());

    x.flags[3] = XEN_DOMINF_shutdown;
    const auto changed = h.daemon.check_domains(status);
    REQUIRE(changed.size() == 1);
    CHECK(changed[0].first == 3);
    CHECK(changed[0].second == DomainStatus::kShutdown);
    CHECK(h.events(*h.dom0) == std::vector<std::string>{"@releaseDomain|rel"});
    CHECK(h.daemon.domains().contains(3));
    CHECK(h.daemon.connection(guest->id()) != nullptr);

    // Seen already: no second event; RESUME makes the next shutdown news again.
    CHECK(h.daemon.check_domains(status).empty());
    CHECK(h.events(*h.dom0).empty());
    REQUIRE(h.call(*h.dom0, XS_RESUME, args({"3"})).ok());
    CHECK(h.daemon.check_domains(status).size() == 1);
    CHECK(h.events(*h.dom0).size() == 1);
}

TEST_CASE("a dying or vanished domain is released as RELEASE would") {
    Harness h;
    Hypervisor x;
    auto three = h.domain(3);
    auto four = h.domain(4);
    auto five = h.domain(5);
    REQUIRE(h.call(*three, XS_WATCH, args({"/local/domain/3", "t"})).ok());
    REQUIRE(h.call(*three, XS_TRANSACTION_START, std::string(1, '\0')).ok());
    watch_release(h);
    x.flags = {{0, 0}, {3, XEN_DOMINF_dying | XEN_DOMINF_shutdown}, {5, 0}};  // 4 is gone

    // Xen answers getdomaininfo(4) with domain 5: that must read as "gone", not as 5's state.
    const auto changed =
        h.daemon.check_domains([&](DomId id) { return query_domain_status(x.hv, id); });
    CHECK(changed.size() == 2);
    CHECK_FALSE(h.daemon.domains().contains(3));
    CHECK_FALSE(h.daemon.domains().contains(4));
    CHECK(h.daemon.domains().contains(5));
    CHECK(h.daemon.connection(three->id()) == nullptr);
    CHECK(h.daemon.connection(four->id()) == nullptr);
    CHECK(h.daemon.connection(five->id()) != nullptr);
    CHECK(h.daemon.watches().count(three->id()) == 0);
    CHECK(three->transactions().empty());
    // One @releaseDomain per released domain.
    CHECK(h.events(*h.dom0) ==
          std::vector<std::string>{"@releaseDomain|rel", "@releaseDomain|rel"});
    // The toolstack's own RELEASE afterwards finds nothing, as with Xen.
    CHECK(h.call(*h.dom0, XS_RELEASE, args({"3"})).error() == "ENOENT");
}

TEST_CASE("a hypervisor that cannot tell changes nothing") {
    Harness h;
    xen::FakeHypervisor unscripted;  // getdomaininfo: ENOSYS
    h.domain(3);
    watch_release(h);
    std::string error;
    CHECK(query_domain_status(unscripted, 3, &error) == DomainStatus::kUnknown);
    CHECK(error.find("XEN_DOMCTL_getdomaininfo") != std::string::npos);
    CHECK(h.daemon.check_domains([&](DomId id) { return query_domain_status(unscripted, id); })
              .empty());
    CHECK(h.daemon.domains().contains(3));
    CHECK(h.events(*h.dom0).empty());
}

TEST_CASE("VIRQ_DOM_EXC through the event loop drops a dying domain's ring connection") {
    boost::asio::io_context io;
    FakeDevices devices;
    Harness h;
    DomainRings rings(io, devices);
    h.daemon.set_connector(&rings);
    REQUIRE(h.daemon.introduce(3, 1234, 7, true) == 0);
    const ConnId conn = h.daemon.domains().at(3).conn;
    REQUIRE(conn != 0);
    watch_release(h);

    xen::FakeEventHub hub;
    hub.add_domain(0);
    xen::FakeEventChannels events(hub, 0);
    Hypervisor x;
    x.flags = {{0, 0}, {3, 0}};
    std::vector<std::string> log;
    DomainExceptionWatch watch(io, h.daemon, events, x.hv,
                               [&](const std::string& line) { log.push_back(line); });
    REQUIRE(watch.start());
    // The VIRQ is bound in dom0 (a second binder gets EEXIST, as in Xen).
    CHECK(events.bind_virq(VIRQ_DOM_EXC).error().code == EEXIST);

    hub.raise_virq(0, VIRQ_DOM_EXC);  // nothing changed: nothing happens
    io.restart();
    io.poll();
    CHECK(h.daemon.domains().contains(3));
    CHECK(h.events(*h.dom0).empty());

    x.flags[3] = XEN_DOMINF_dying;
    hub.raise_virq(0, VIRQ_DOM_EXC);
    REQUIRE(pump(io, [&] { return !h.daemon.domains().contains(3); }));
    CHECK(h.daemon.connection(conn) == nullptr);
    CHECK(h.events(*h.dom0) == std::vector<std::string>{"@releaseDomain|rel"});
    REQUIRE(log.size() == 1);
    CHECK(log[0] == "domain 3 is dying: released");

    // The port was written back: the next exception is seen too.
    REQUIRE(h.daemon.introduce(4, 1, 8, true) == 0);
    x.flags.erase(3);
    hub.raise_virq(0, VIRQ_DOM_EXC);
    REQUIRE(pump(io, [&] { return !h.daemon.domains().contains(4); }));
    watch.stop();
    io.restart();
    io.poll();
}
