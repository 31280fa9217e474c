// State file: a restarted daemon keeps the tree, domains, their watches and unsent output.
#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "domain_rings.hpp"
#include "fake_devices.hpp"
#include "harness.hpp"
#include "persist.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;
namespace xs = tessera::xs;

namespace {

void request(Daemon& d, Connection& c, std::uint32_t type, std::string payload) {
    xs::Message m{xs::Header{type, 1, 0, static_cast<std::uint32_t>(payload.size())}, payload};
    d.handle(c, m);
}

}  // namespace

TEST_CASE("state survives a restart, domain connections included") {
    FakeDevices devices;
    std::string saved;
    {
        boost::asio::io_context io;
        Daemon a;
        DomainRings rings(io, devices);
        a.set_connector(&rings);
        auto tools = a.add_connection(Connection::Kind::kSocket, 0);
        REQUIRE(a.introduce(3, 99, 7, true) == 0);
        REQUIRE(a.introduce(4, 98, 8, true) == 0);
        REQUIRE(a.set_target(4, 3) == 0);
        request(a, *tools, XS_MKDIR, args({"/local/domain/3"}));
        request(a, *tools, XS_SET_PERMS, args({"/local/domain/3", "n3", "r4"}));
        request(a, *tools, XS_WRITE, args({"/local/domain/3/x"}) + "bin\x01\xff");
        request(a, *tools, XS_SET_PERMS, args({"@releaseDomain", "n0", "r3"}));
        request(a, *tools, XS_WATCH, args({"/sock", "lost"}));  // socket watches do not persist
        auto d3 = a.connection(a.domains().at(3).conn);
        request(a, *d3, XS_WATCH, args({"x", "relative-token"}));  // leaves unsent output
        saved = serialize_state(a);
        CHECK(saved.find("watch 3 ") != std::string::npos);
        CHECK(saved.find("output 3 ") != std::string::npos);
    }
    boost::asio::io_context io;
    Daemon b;
    DomainRings rings(io, devices);
    b.set_connector(&rings);
    std::string error;
    REQUIRE(restore_state(b, saved, error) == 0);
    INFO(error);
    CHECK(serialize_state(b) == saved);
    CHECK(b.store().check().empty());
    CHECK(b.domains().at(4).target == DomId{3});
    auto d3 = b.connection(b.domains().at(3).conn);
    REQUIRE(d3 != nullptr);
    CHECK(b.watches().count(d3->id()) == 1);

    // The saved watch still fires, relative as registered, and lands in the guest's ring after
    // the output that was pending at save time.
    auto tools = b.add_connection(Connection::Kind::kSocket, 0);
    request(b, *tools, XS_WRITE, args({"/local/domain/3/x"}) + "new");
    Guest guest{devices.pages[3]};
    std::string ring_bytes;
    for (int i = 0; i < 100 && ring_bytes.find("x\0relative-token", 0) == std::string::npos; ++i) {
        io.restart();
        io.poll();
        ring_bytes += guest.receive();
    }
    CHECK(ring_bytes.find(std::string("OK\0", 3)) <
          ring_bytes.find(std::string("x\0relative-token", 16)));
}

TEST_CASE("a partly received request is kept across a restart") {
    FakeDevices devices;
    const auto req = xs::encode(XS_GET_DOMAIN_PATH, 5, 0, std::string("2\0", 2));
    std::string saved;
    {
        boost::asio::io_context io;
        Daemon a;
        DomainRings rings(io, devices);
        a.set_connector(&rings);
        REQUIRE(a.introduce(2, 1, 1, false) == 0);
        Guest{devices.pages[2]}.send(req.substr(0, 10));
        devices.last_port->kick();
        for (int i = 0; i < 20; ++i) {
            io.restart();
            io.poll();
        }
        saved = serialize_state(a);
        CHECK(saved.find("input 2 ") != std::string::npos);
    }
    boost::asio::io_context io;
    Daemon b;
    DomainRings rings(io, devices);
    b.set_connector(&rings);
    std::string error;
    REQUIRE(restore_state(b, saved, error) == 0);
    Guest guest{devices.pages[2]};
    guest.send(req.substr(10));
    devices.last_port->kick();
    std::string got;
    for (int i = 0; i < 100 && got.size() < xs::kHeaderSize; ++i) {
        io.restart();
        io.poll();
        got += guest.receive();
    }
    REQUIRE(got.size() >= xs::kHeaderSize);
    const auto h =
        xs::decode_header(std::span<const char, xs::kHeaderSize>(got.data(), xs::kHeaderSize));
    CHECK(h.type == XS_GET_DOMAIN_PATH);
    CHECK(h.req_id == 5);
}

TEST_CASE("malformed state files are rejected, never half-applied silently") {
    Daemon d;
    std::string error;
    CHECK(restore_state(d, "", error) == EINVAL);
    CHECK(restore_state(d, "garbage\n", error) == EINVAL);
    const std::string head = "tessera-xenstored-state 1\n";
    CHECK(restore_state(d, head + "node / 1 n0 -\n", error) == EINVAL);  // no end: truncated
    CHECK(error == "truncated state file");
    CHECK(restore_state(d, head + "node /a/b 1 n0 -\nend\n", error) == EINVAL);  // orphan
    CHECK(restore_state(d, head + "node /a 1 q0 -\nend\n", error) == EINVAL);
    CHECK(restore_state(d, head + "node /a 1 n0 zz\nend\n", error) == EINVAL);
    CHECK(restore_state(d, head + "bogus\nend\n", error) == EINVAL);
    CHECK(restore_state(d, head + "node / 1 n0 -\nnode /ok 2 b1 6869\nend\n", error) == 0);
    CHECK(d.store().find("/ok")->value == "hi");
}

TEST_CASE("state files are written atomically and read back") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("xs-persist-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = (dir / "state").string();
    Harness h;
    REQUIRE(h.write(*h.dom0, "/keep/me", "1").ok());
    h.daemon.save_state = [&] { return save_state_file(h.daemon, file); };
    REQUIRE(h.call(*h.dom0, XS_CONTROL, args({"save"})).text() == "OK");
    CHECK_FALSE(std::filesystem::exists(file + ".tmp"));
    Daemon b;
    std::string error;
    REQUIRE(load_state_file(b, file, error) == 0);
    CHECK(b.store().find("/keep/me")->value == "1");
    CHECK(load_state_file(b, (dir / "missing").string(), error) == ENOENT);
    std::filesystem::remove_all(dir);
}
