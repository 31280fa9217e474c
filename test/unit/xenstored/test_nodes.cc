// Node requests through the request table: READ, WRITE, MKDIR, RM, DIRECTORY(_PART).
#include "harness.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;

TEST_CASE("write creates the node and its missing parents; read returns raw bytes") {
    Harness h;
    REQUIRE(h.write(*h.dom0, "/a/b/c", std::string("x\0y", 3)).text() == "OK");
    const auto r = h.read(*h.dom0, "/a/b/c");
    CHECK(r.type == XS_READ);
    CHECK(r.payload == std::string("x\0y", 3));  // no terminating NUL added
    CHECK(h.read(*h.dom0, "/a/b").payload.empty());
    CHECK(h.call(*h.dom0, XS_DIRECTORY, args({"/a"})).payload == args({"b"}));
    CHECK(h.daemon.store().check().empty());
}

TEST_CASE("missing nodes and invalid paths") {
    Harness h;
    CHECK(h.read(*h.dom0, "/nope").error() == "ENOENT");
    for (const char* bad : {"", "/a//b", "/a/", "/a b", "/a\x01", "@releaseDomain", "@other"}) {
        INFO(bad);
        CHECK(h.read(*h.dom0, bad).error() == "EINVAL");
        CHECK(h.write(*h.dom0, bad, "v").error() == "EINVAL");
    }
    CHECK(h.call(*h.dom0, XS_READ, "/a").error() == "EINVAL");                // missing NUL
    CHECK(h.call(*h.dom0, XS_READ, args({"/a", "/b"})).error() == "EINVAL");  // extra argument
    CHECK(h.call(*h.dom0, XS_WRITE, "/novalue").error() == "EINVAL");
    CHECK(h.read(*h.dom0, "/" + std::string(3100, 'a')).error() == "EINVAL");
}

TEST_CASE("unknown and reply-only message types get EINVAL") {
    Harness h;
    for (std::uint32_t t :
         {std::uint32_t{XS_WATCH_EVENT}, std::uint32_t{XS_ERROR}, std::uint32_t{20},
          std::uint32_t{XS_TYPE_COUNT}, std::uint32_t{XS_INVALID}, 0xdeadbeefu}) {
        INFO(t);
        CHECK(h.call(*h.dom0, t, args({"/"})).error() == "EINVAL");
    }
}

TEST_CASE("relative paths live under the caller's domain path") {
    Harness h;
    auto d5 = h.domain(5);
    REQUIRE(h.write(*h.dom0, "/local/domain/5", "").ok());
    REQUIRE(h.call(*h.dom0, XS_SET_PERMS, args({"/local/domain/5", "n5"})).ok());
    REQUIRE(h.write(*d5, "data/x", "1").ok());
    CHECK(h.read(*h.dom0, "/local/domain/5/data/x").payload == "1");
    CHECK(h.read(*d5, "/local/domain/5/data/x").payload == "1");
    CHECK(h.call(*d5, XS_GET_DOMAIN_PATH, args({"5"})).text() == "/local/domain/5");
}

TEST_CASE("mkdir is idempotent, rm removes subtrees and tolerates missing leaves") {
    Harness h;
    REQUIRE(h.call(*h.dom0, XS_MKDIR, args({"/d"})).ok());
    REQUIRE(h.write(*h.dom0, "/d/x", "1").ok());
    CHECK(h.call(*h.dom0, XS_MKDIR, args({"/d/x"})).ok());
    CHECK(h.read(*h.dom0, "/d/x").payload == "1");  // mkdir left the value alone
    REQUIRE(h.write(*h.dom0, "/d/y/z", "2").ok());
    CHECK(h.call(*h.dom0, XS_RM, args({"/d/missing"})).ok());
    CHECK(h.call(*h.dom0, XS_RM, args({"/nope/missing"})).error() == "ENOENT");
    CHECK(h.call(*h.dom0, XS_RM, args({"/"})).error() == "EINVAL");
    REQUIRE(h.call(*h.dom0, XS_RM, args({"/d/y"})).ok());
    CHECK(h.read(*h.dom0, "/d/y/z").error() == "ENOENT");
    CHECK(h.call(*h.dom0, XS_DIRECTORY, args({"/d"})).payload == args({"x"}));
    CHECK(h.daemon.store().check().empty());
}

TEST_CASE("directory_part pages a large directory with a generation") {
    Harness h;
    std::vector<std::string> names;
    for (int i = 0; i < 300; ++i) {
        names.push_back("child-with-a-rather-long-name-" + std::to_string(i));
        REQUIRE(h.write(*h.dom0, "/big/" + names.back(), "").ok());
    }
    CHECK(h.call(*h.dom0, XS_DIRECTORY, args({"/big"})).error() == "E2BIG");
    std::vector<std::string> got;
    std::string gen;
    std::size_t offset = 0;
    int parts = 0;
    for (bool done = false; !done; ++parts) {
        const auto r = h.call(*h.dom0, XS_DIRECTORY_PART, args({"/big", std::to_string(offset)}));
        REQUIRE(r.ok());
        REQUIRE(r.payload.size() <= XENSTORE_PAYLOAD_MAX);
        const auto s = tessera::xs::split_strings(r.payload);
        REQUIRE(!s.empty());
        if (gen.empty()) gen = s[0];
        CHECK(gen == s[0]);
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i].empty()) {
                done = true;
                break;
            }
            got.emplace_back(s[i]);
            offset += s[i].size() + 1;
        }
    }
    CHECK(parts > 1);
    CHECK(got == names);
    CHECK(h.call(*h.dom0, XS_DIRECTORY_PART, args({"/big", "1"})).error() == "EINVAL");
    CHECK(h.call(*h.dom0, XS_DIRECTORY_PART, args({"/big", "99999999"})).error() == "EINVAL");
    // A change bumps the generation so clients restart.
    REQUIRE(h.write(*h.dom0, "/big/new", "").ok());
    const auto r = h.call(*h.dom0, XS_DIRECTORY_PART, args({"/big", "0"}));
    CHECK(tessera::xs::split_strings(r.payload)[0] != gen);
}
