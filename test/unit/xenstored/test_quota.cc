// Quotas for unprivileged domains (Xen's defaults, configurable) and RELEASE clean-up.
#include "harness.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;

namespace {

Harness& home_for(Harness& h, DomId id) {
    const auto path = "/local/domain/" + std::to_string(id);
    REQUIRE(h.write(*h.dom0, path, "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({path, "n" + std::to_string(id)})).ok());
    return h;
}

}  // namespace

TEST_CASE("Xen 4.17 defaults") {
    const Quota q;
    CHECK(q.nodes == 1000);
    CHECK(q.node_size == 2048);
    CHECK(q.watches == 128);
    CHECK(q.transactions == 10);
    CHECK(q.perms == 5);
    CHECK(q.path_max == 2048);
    CHECK(q.outstanding == 20);
    CHECK(q.transaction_nodes == 1024);
}

TEST_CASE("node count quota") {
    Quota q;
    q.nodes = 5;
    Harness h(q);
    auto d2 = h.domain(2);
    home_for(h, 2);  // the home node is owned by 2: one node used
    for (int i = 0; i < 4; ++i) REQUIRE(h.write(*d2, "n" + std::to_string(i), "").ok());
    CHECK(h.write(*d2, "n4", "").error() == "ENOSPC");
    CHECK(h.write(*d2, "n0", "update is fine").ok());
    REQUIRE(h.call(*d2, XS_RM, args({"n0"})).ok());
    CHECK(h.write(*d2, "n5", "").ok());
    CHECK(h.write(*h.dom0, "/local/domain/2/by-dom0", "").ok());  // dom0 is not limited
}

TEST_CASE("node size, path length and permission count quotas") {
    Quota q;
    q.node_size = 64;
    q.path_max = 32;
    Harness h(q);
    auto d2 = h.domain(2);
    home_for(h, 2);
    CHECK(h.write(*d2, "small", std::string(40, 'x')).ok());
    CHECK(h.write(*d2, "big", std::string(100, 'x')).error() == "ENOSPC");
    CHECK(h.write(*h.dom0, "/big", std::string(3000, 'x')).ok());
    CHECK(h.write(*d2, std::string(40, 'p'), "").error() == "EINVAL");
    CHECK(h.call(*d2, XS_SET_PERMS, args({"small", "n2", "r1", "r3", "r4", "r5", "r6"})).error() ==
          "ENOSPC");
    CHECK(h.call(*d2, XS_SET_PERMS, args({"small", "n2", "r1"})).ok());
}

TEST_CASE("watch and transaction quotas") {
    Quota q;
    q.watches = 3;
    q.transactions = 2;
    Harness h(q);
    auto d2 = h.domain(2);
    for (int i = 0; i < 3; ++i)
        REQUIRE(h.call(*d2, XS_WATCH, args({"/w" + std::to_string(i), "t"})).ok());
    CHECK(h.call(*d2, XS_WATCH, args({"/w9", "t"})).error() == "E2BIG");
    REQUIRE(h.call(*d2, XS_TRANSACTION_START, args({""})).ok());
    REQUIRE(h.call(*d2, XS_TRANSACTION_START, args({""})).ok());
    CHECK(h.call(*d2, XS_TRANSACTION_START, args({""})).error() == "ENOSPC");
    for (int i = 0; i < 5; ++i) CHECK(h.call(*h.dom0, XS_TRANSACTION_START, args({""})).ok());
}

TEST_CASE("RELEASE removes the domain's watches, transactions and connection") {
    Harness h;
    auto d2 = h.domain(2);
    REQUIRE(h.call(*d2, XS_WATCH, args({"/x", "t"})).ok());
    REQUIRE(h.call(*d2, XS_TRANSACTION_START, args({""})).ok());
    const auto id = d2->id();
    REQUIRE(h.call(*h.dom0, XS_IS_DOMAIN_INTRODUCED, args({"2"})).text() == "T");
    REQUIRE(h.call(*h.dom0, XS_RELEASE, args({"2"})).ok());
    CHECK(h.call(*h.dom0, XS_IS_DOMAIN_INTRODUCED, args({"2"})).text() == "F");
    CHECK(h.daemon.watches().count(id) == 0);
    CHECK(h.daemon.connection(id) == nullptr);
    CHECK(d2->transactions().empty());
    CHECK(h.call(*h.dom0, XS_RELEASE, args({"2"})).error() == "ENOENT");
    CHECK(h.call(*h.dom0, XS_RESUME, args({"2"})).error() == "ENOENT");
}

TEST_CASE("CONTROL quota reads and sets limits; check and stats introspect") {
    Harness h;
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"quota"})).text().find("nodes: 1000") !=
          std::string::npos);
    REQUIRE(h.call(*h.dom0, XS_CONTROL, args({"quota", "set", "nodes", "7"})).ok());
    CHECK(h.daemon.quota().nodes == 7);
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"quota", "set", "bogus", "7"})).error() == "EINVAL");
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"check"})).text() == "OK");
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"stats"})).text().find("nodes: 3") !=
          std::string::npos);
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"log", "on"})).text() == "log on");
    h.daemon.verbose = false;
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"save"})).error() == "ENOSYS");
    CHECK(h.call(*h.dom0, XS_CONTROL, args({"nonsense"})).error() == "EINVAL");
    CHECK(h.call(*h.dom0, XS_CONTROL, "").error() == "EINVAL");
}
