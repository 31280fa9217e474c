// Watches: initial event, recursive matching, removed subtrees, relative paths, permissions,
// special @introduceDomain/@releaseDomain, UNWATCH and RESET_WATCHES.
#include "harness.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;

using Events = std::vector<std::string>;

TEST_CASE("a new watch fires once, after its OK reply") {
    Harness h;
    const auto r = h.call(*h.dom0, XS_WATCH, args({"/x", "tok"}));
    CHECK(r.text() == "OK");
    CHECK(h.events(*h.dom0) == Events{"/x|tok"});
    CHECK(h.call(*h.dom0, XS_WATCH, args({"/x", "tok"})).error() == "EEXIST");
    CHECK(h.call(*h.dom0, XS_WATCH, args({"/x", "tok2"})).ok());
    CHECK(h.call(*h.dom0, XS_WATCH, args({"bad//path", "t"})).error() == "EINVAL");
    CHECK(h.call(*h.dom0, XS_WATCH, args({"/x"})).error() == "EINVAL");
}

TEST_CASE("watches are recursive: changes below the watched path fire it") {
    Harness h;
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/a", "A"})).ok());
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/a/b", "B"})).ok());
    h.events(*h.dom0);
    REQUIRE(h.write(*h.dom0, "/a/b/c", "1").ok());
    auto ev = h.events(*h.dom0);
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"/a/b/c|A", "/a/b/c|B"});
    REQUIRE(h.write(*h.dom0, "/ab", "1").ok());  // a sibling sharing a prefix is not a child
    CHECK(h.events(*h.dom0).empty());
    REQUIRE(h.write(*h.dom0, "/a", "v").ok());
    CHECK(h.events(*h.dom0) == Events{"/a|A"});
}

TEST_CASE("removing a subtree fires exact watches on each removed node") {
    Harness h;
    REQUIRE(h.write(*h.dom0, "/r/s/t", "1").ok());
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/r/s/t", "deep"})).ok());
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/r", "top"})).ok());
    h.events(*h.dom0);
    REQUIRE(h.call(*h.dom0, XS_RM, args({"/r/s"})).ok());
    auto ev = h.events(*h.dom0);
    std::sort(ev.begin(), ev.end());
    CHECK(ev == Events{"/r/s/t|deep", "/r/s|top"});
}

TEST_CASE("relative watches report relative paths") {
    Harness h;
    auto d4 = h.domain(4);
    REQUIRE(h.write(*h.dom0, "/local/domain/4", "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/local/domain/4", "n4"})).ok());
    REQUIRE(h.call(*d4, XS_WATCH, args({"device", "rel"})).ok());
    CHECK(h.events(*d4) == Events{"device|rel"});
    REQUIRE(h.write(*h.dom0, "/local/domain/4/device/vbd", "x").ok());
    CHECK(h.events(*d4) == Events{"device/vbd|rel"});
    REQUIRE(h.call(*d4, XS_UNWATCH, args({"device", "rel"})).ok());
    REQUIRE(h.write(*h.dom0, "/local/domain/4/device/vif", "x").ok());
    CHECK(h.events(*d4).empty());
    CHECK(h.call(*d4, XS_UNWATCH, args({"device", "rel"})).error() == "ENOENT");
}

TEST_CASE("events are delivered only to watchers allowed to read the node") {
    Harness h;
    auto d6 = h.domain(6);
    REQUIRE(h.call(*d6, XS_WATCH, args({"/pub", "t"})).ok());
    h.events(*d6);
    REQUIRE(h.write(*h.dom0, "/pub/hidden", "x").ok());  // n0 inherited from the root
    CHECK(h.events(*d6).empty());
    REQUIRE(h.write(*h.dom0, "/pub/open", "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/pub/open", "n0", "r6"})).ok());
    CHECK(h.events(*d6) == Events{"/pub/open|t"});
}

TEST_CASE("@introduceDomain and @releaseDomain fire for privileged watchers") {
    Harness h;
    auto d9 = h.domain(9);
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"@introduceDomain", "in"})).ok());
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"@releaseDomain", "out"})).ok());
    REQUIRE(h.call(*d9, XS_WATCH, args({"@releaseDomain", "g"})).ok());
    h.events(*h.dom0);
    h.events(*d9);
    REQUIRE(h.call(*h.dom0, XS_INTRODUCE, args({"11", "1234", "5"})).ok());
    CHECK(h.events(*h.dom0) == Events{"@introduceDomain|in"});
    REQUIRE(h.call(*h.dom0, XS_RELEASE, args({"11"})).ok());
    CHECK(h.events(*h.dom0) == Events{"@releaseDomain|out"});
    CHECK(h.events(*d9).empty());  // special nodes are n0 by default
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"@releaseDomain", "n0", "r9"})).ok());
    CHECK(h.call(*h.dom0, XS_GET_PERMS, args({"@releaseDomain"})).payload == args({"n0", "r9"}));
    REQUIRE(h.call(*h.dom0, XS_INTRODUCE, args({"12", "1", "5"})).ok());
    REQUIRE(h.call(*h.dom0, XS_RELEASE, args({"12"})).ok());
    CHECK(h.events(*d9) == Events{"@releaseDomain|g"});
}

TEST_CASE("RESET_WATCHES drops the connection's watches and transactions") {
    Harness h;
    REQUIRE(h.call(*h.dom0, XS_WATCH, args({"/z", "t"})).ok());
    const auto tx = h.call(*h.dom0, XS_TRANSACTION_START, args({""})).text();
    h.events(*h.dom0);
    REQUIRE(h.call(*h.dom0, XS_RESET_WATCHES, "").ok());
    REQUIRE(h.write(*h.dom0, "/z", "1").ok());
    CHECK(h.events(*h.dom0).empty());
    CHECK(h.daemon.watches().size() == 0);
    CHECK(h.read(*h.dom0, "/", static_cast<std::uint32_t>(std::stoul(tx))).error() == "ENOENT");
}
