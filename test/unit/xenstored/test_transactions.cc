// Transactions: isolation, commit, abort, conflicts (EAGAIN), many at once, bad ids.
#include "harness.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;

namespace {

std::uint32_t start(Harness& h, Connection& c) {
    const auto r = h.call(c, XS_TRANSACTION_START, args({""}));
    REQUIRE(r.ok());
    return static_cast<std::uint32_t>(std::stoul(r.text()));
}

Reply end(Harness& h, Connection& c, std::uint32_t tx, bool commit) {
    return h.call(c, XS_TRANSACTION_END, args({commit ? "T" : "F"}), tx);
}

}  // namespace

TEST_CASE("transaction writes are private until commit") {
    Harness h;
    const auto tx = start(h, *h.dom0);
    REQUIRE(h.write(*h.dom0, "/t/a", "1", tx).ok());
    CHECK(h.read(*h.dom0, "/t/a", tx).payload == "1");
    CHECK(h.read(*h.dom0, "/t/a").error() == "ENOENT");
    CHECK(h.call(*h.dom0, XS_DIRECTORY, args({"/t"}), tx).payload == args({"a"}));
    REQUIRE(end(h, *h.dom0, tx, true).text() == "OK");
    CHECK(h.read(*h.dom0, "/t/a").payload == "1");
    CHECK(h.daemon.store().check().empty());
}

TEST_CASE("abort discards; ended transactions are gone") {
    Harness h;
    const auto tx = start(h, *h.dom0);
    REQUIRE(h.write(*h.dom0, "/t/a", "1", tx).ok());
    REQUIRE(end(h, *h.dom0, tx, false).ok());
    CHECK(h.read(*h.dom0, "/t/a").error() == "ENOENT");
    CHECK(h.read(*h.dom0, "/", tx).error() == "ENOENT");
    CHECK(end(h, *h.dom0, tx, true).error() == "ENOENT");
}

TEST_CASE("a node changed under a transaction makes its commit fail with EAGAIN") {
    Harness h;
    REQUIRE(h.write(*h.dom0, "/c", "0").ok());
    const auto tx = start(h, *h.dom0);
    CHECK(h.read(*h.dom0, "/c", tx).payload == "0");
    REQUIRE(h.write(*h.dom0, "/other", "x", tx).ok());
    REQUIRE(h.write(*h.dom0, "/c", "changed").ok());
    CHECK(end(h, *h.dom0, tx, true).error() == "EAGAIN");
    CHECK(h.read(*h.dom0, "/other").error() == "ENOENT");  // nothing applied
    CHECK(h.read(*h.dom0, "/c").payload == "changed");
}

TEST_CASE("a node created after a transaction saw it missing conflicts too") {
    Harness h;
    const auto tx = start(h, *h.dom0);
    CHECK(h.read(*h.dom0, "/late", tx).error() == "ENOENT");
    REQUIRE(h.write(*h.dom0, "/late", "x").ok());
    CHECK(end(h, *h.dom0, tx, true).error() == "EAGAIN");
}

TEST_CASE("two transactions over disjoint nodes both commit; overlapping ones do not") {
    Harness h;
    REQUIRE(h.write(*h.dom0, "/p/a", "").ok());
    REQUIRE(h.write(*h.dom0, "/p/b", "").ok());
    auto other = h.daemon.add_connection(Connection::Kind::kSocket, 0);
    const auto t1 = start(h, *h.dom0);
    const auto t2 = start(h, *other);
    REQUIRE(h.write(*h.dom0, "/p/a", "1", t1).ok());
    REQUIRE(h.write(*other, "/p/b", "2", t2).ok());
    CHECK(end(h, *h.dom0, t1, true).ok());
    CHECK(end(h, *other, t2, true).ok());
    CHECK(h.read(*h.dom0, "/p/a").payload == "1");
    CHECK(h.read(*h.dom0, "/p/b").payload == "2");

    const auto t3 = start(h, *h.dom0);
    const auto t4 = start(h, *other);
    REQUIRE(h.write(*h.dom0, "/p/a", "3", t3).ok());
    REQUIRE(h.write(*other, "/p/a", "4", t4).ok());
    CHECK(end(h, *h.dom0, t3, true).ok());
    CHECK(end(h, *other, t4, true).error() == "EAGAIN");
    CHECK(h.read(*h.dom0, "/p/a").payload == "3");
}

TEST_CASE("many concurrent transactions on one connection") {
    Harness h;
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < 200; ++i) {
        ids.push_back(start(h, *h.dom0));
        REQUIRE(h.write(*h.dom0, "/many/n" + std::to_string(i), "v", ids.back()).ok());
    }
    std::set<std::uint32_t> unique(ids.begin(), ids.end());
    CHECK(unique.size() == ids.size());
    int committed = 0;
    for (auto id : ids) committed += end(h, *h.dom0, id, true).ok() ? 1 : 0;
    // Every one adds a child to /many (or creates it): the parent conflicts after the first.
    CHECK(committed >= 1);
    CHECK(h.daemon.store().check().empty());
}

TEST_CASE("rm inside a transaction and watches fire only on commit") {
    Harness h;
    REQUIRE(h.write(*h.dom0, "/w/x/y", "1").ok());
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/w", "tok"})).ok());
    h.events(*h.dom0);
    const auto tx = start(h, *h.dom0);
    REQUIRE(h.call(*h.dom0, XS_RM, args({"/w/x"}), tx).ok());
    CHECK(h.read(*h.dom0, "/w/x/y", tx).error() == "ENOENT");
    CHECK(h.read(*h.dom0, "/w/x/y").payload == "1");
    CHECK(h.events(*h.dom0).empty());
    REQUIRE(end(h, *h.dom0, tx, true).ok());
    const auto ev = h.events(*h.dom0);
    CHECK(std::find(ev.begin(), ev.end(), "/w/x|tok") != ev.end());
    CHECK(h.read(*h.dom0, "/w/x/y").error() == "ENOENT");
    CHECK(h.daemon.store().check().empty());
}

TEST_CASE("transaction misuse") {
    Harness h;
    CHECK(h.read(*h.dom0, "/", 12345).error() == "ENOENT");
    const auto tx = start(h, *h.dom0);
    CHECK(h.call(*h.dom0, XS_TRANSACTION_START, args({""}), tx).error() == "EBUSY");
    CHECK(h.call(*h.dom0, XS_TRANSACTION_END, args({"X"}), tx).error() == "EINVAL");
    CHECK(h.call(*h.dom0, XS_TRANSACTION_END, args({"T"})).error() == "ENOENT");
    // A transaction belongs to its connection.
    auto other = h.daemon.add_connection(Connection::Kind::kSocket, 0);
    CHECK(h.read(*other, "/", tx).error() == "ENOENT");
    // WATCH ignores the transaction id (Xen's "no transaction" flag).
    CHECK(h.call(*h.dom0, XS_WATCH, args({"/", "t"}), 999).ok());
}
