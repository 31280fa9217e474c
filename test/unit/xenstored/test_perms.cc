// Permissions: parsing, Xen's access rules, inheritance, privileged-only requests, SET_TARGET.
#include "harness.hpp"
#include "perms.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;

TEST_CASE("permission entries parse and format") {
    CHECK(parse_perm("r5") == Perm{5, kRead});
    CHECK(parse_perm("b0") == Perm{0, kRead | kWrite});
    CHECK(parse_perm("n12") == Perm{12, kNone});
    CHECK(parse_perm("w3") == Perm{3, kWrite});
    for (const char* bad : {"", "r", "x1", "r-1", "r1a", "r 1", "r99999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_perm(bad).has_value());
    }
    CHECK(format_perm(Perm{7, kRead | kWrite}) == "b7");
}

TEST_CASE("access_for follows owner, listed entry, then default") {
    const Perms perms{{1, kRead}, {2, kWrite}, {3, kNone}};
    CHECK(access_for(Requester{0, true, {}}, perms) == (kRead | kWrite | kOwner));
    CHECK(access_for(Requester{1, false, {}}, perms) == (kRead | kWrite | kOwner));
    CHECK(access_for(Requester{2, false, {}}, perms) == kWrite);
    CHECK(access_for(Requester{3, false, {}}, perms) == kNone);
    CHECK(access_for(Requester{4, false, {}}, perms) == kRead);
    CHECK(access_for(Requester{4, false, DomId{1}}, perms) == (kRead | kWrite | kOwner));
}

TEST_CASE("unprivileged domains are denied and cannot probe for existence") {
    Harness h;
    auto d1 = h.domain(1);
    REQUIRE(h.write(*h.dom0, "/secret/x", "v").ok());  // n0 inherited from the root
    CHECK(h.read(*d1, "/secret/x").error() == "EACCES");
    CHECK(h.read(*d1, "/secret/missing").error() == "EACCES");  // not ENOENT: no leak
    CHECK(h.write(*d1, "/secret/y", "v").error() == "EACCES");
    CHECK(h.call(*d1, XS_DIRECTORY, args({"/secret"})).error() == "EACCES");
    CHECK(h.call(*d1, XS_GET_PERMS, args({"/secret"})).error() == "EACCES");
    CHECK(h.call(*d1, XS_RM, args({"/secret/x"})).error() == "EACCES");
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/secret", "n0", "r1"})).ok());
    CHECK(h.call(*d1, XS_DIRECTORY, args({"/secret"})).payload == args({"x"}));
    CHECK(h.read(*d1, "/secret/missing").error() == "ENOENT");  // readable parent: honest
    CHECK(h.read(*d1, "/secret/x").error() == "EACCES");        // x kept its own n0
}

TEST_CASE("new nodes inherit the parent's permissions; unprivileged creators own them") {
    Harness h;
    auto d3 = h.domain(3);
    REQUIRE(h.write(*h.dom0, "/shared", "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/shared", "n0", "b3", "r4"})).ok());
    REQUIRE(h.write(*d3, "/shared/a/b", "1").ok());
    CHECK(h.call(*h.dom0, XS_GET_PERMS, args({"/shared/a/b"})).payload == args({"n3", "b3", "r4"}));
    CHECK(h.call(*h.dom0, XS_GET_PERMS, args({"/shared/a"})).payload == args({"n3", "b3", "r4"}));
    REQUIRE(h.write(*h.dom0, "/shared/c", "1").ok());
    CHECK(h.call(*h.dom0, XS_GET_PERMS, args({"/shared/c"})).payload == args({"n0", "b3", "r4"}));
}

TEST_CASE("set_perms needs ownership; unprivileged owners cannot give nodes away") {
    Harness h;
    auto d3 = h.domain(3);
    auto d4 = h.domain(4);
    REQUIRE(h.write(*h.dom0, "/n", "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/n", "b3"})).ok());
    CHECK(h.call(*d4, XS_SET_PERMS, args({"/n", "b4"})).error() == "EACCES");
    CHECK(h.call(*d3, XS_SET_PERMS, args({"/n", "n3", "r4"})).ok());
    CHECK(h.call(*d3, XS_SET_PERMS, args({"/n", "n4"})).error() == "EPERM");
    CHECK(h.call(*d3, XS_SET_PERMS, args({"/n", "x3"})).error() == "EINVAL");
    CHECK(h.call(*d3, XS_SET_PERMS, args({"/n"})).error() == "EINVAL");
    CHECK(h.read(*d4, "/n").ok());
}

TEST_CASE("privileged-only requests are refused to guests") {
    Harness h;
    auto d2 = h.domain(2);
    CHECK(h.call(*d2, XS_INTRODUCE, args({"9", "1", "2"})).error() == "EACCES");
    CHECK(h.call(*d2, XS_RELEASE, args({"2"})).error() == "EACCES");
    CHECK(h.call(*d2, XS_SET_TARGET, args({"2", "3"})).error() == "EACCES");
    CHECK(h.call(*d2, XS_CONTROL, args({"check"})).error() == "EACCES");
    CHECK(h.call(*d2, XS_RESUME, args({"2"})).error() == "EACCES");
    CHECK(h.call(*d2, XS_SET_PERMS, args({"@releaseDomain", "r2"})).error() == "EACCES");
}

TEST_CASE("SET_TARGET gives a domain its target's rights") {
    Harness h;
    h.domain(7);
    auto stubdom = h.domain(8);
    REQUIRE(h.write(*h.dom0, "/local/domain/7/x", "v").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/local/domain/7/x", "n7"})).ok());
    CHECK(h.read(*stubdom, "/local/domain/7/x").error() == "EACCES");
    REQUIRE(h.call(*h.dom0, XS_SET_TARGET, args({"8", "7"})).ok());
    CHECK(h.read(*stubdom, "/local/domain/7/x").payload == "v");
    CHECK(h.call(*h.dom0, XS_SET_TARGET, args({"99", "7"})).error() == "ENOENT");
}
