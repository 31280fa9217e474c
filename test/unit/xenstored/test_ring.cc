// Ring transport logic against an in-memory page, and the Asio ring connection against fakes.
#include <boost/asio/io_context.hpp>

#include "domain_rings.hpp"
#include "fake_devices.hpp"
#include "harness.hpp"
#include "ring.hpp"

using namespace tessera::xenstored;
using namespace tessera::xenstored::test;
namespace xs = tessera::xs;

TEST_CASE("requests are reassembled across the ring's wrap-around") {
    xenstore_domain_interface page{};
    page.req_cons = page.req_prod = 0xFFFFFFF0u;  // indices wrap past 2^32 too
    Ring ring(page);
    CHECK(page.server_features ==
          (XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR));
    Guest guest{page};
    std::vector<xs::Message> got;
    for (int i = 0; i < 40; ++i) {
        const std::string body = "/path/number/" + std::to_string(i) + std::string(60, 'x');
        const auto bytes = xs::encode(XS_READ, static_cast<std::uint32_t>(i), 0, body + '\0');
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            sent += guest.send(std::string_view(bytes).substr(sent));
            REQUIRE(ring.read_requests(got, 100) == Ring::Status::kOk);
        }
    }
    REQUIRE(got.size() == 40);
    for (std::uint32_t i = 0; i < 40; ++i) {
        CHECK(got[i].header.req_id == i);
        CHECK(got[i].payload.starts_with("/path/number/" + std::to_string(i)));
    }
}

TEST_CASE("a message larger than the ring is still received, in pieces") {
    xenstore_domain_interface page{};
    Ring ring(page);
    Guest guest{page};
    const auto bytes =
        xs::encode(XS_WRITE, 7, 0, "/big" + std::string(1, '\0') + std::string(3000, 'v'));
    std::vector<xs::Message> got;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        sent += guest.send(std::string_view(bytes).substr(sent));
        REQUIRE(ring.read_requests(got, 1) == Ring::Status::kOk);
        CHECK(ring.consumed() > 0);
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload.size() == 3005);
}

TEST_CASE("corrupt indices and oversized messages fail the ring, not the daemon") {
    xenstore_domain_interface page{};
    SECTION("request producer too far ahead") {
        Ring ring(page);
        page.req_prod = page.req_cons + XENSTORE_RING_SIZE + 1;
        std::vector<xs::Message> got;
        CHECK(ring.read_requests(got, 10) == Ring::Status::kBadIndex);
        CHECK(page.error == XENSTORE_ERROR_RINGIDX);
        CHECK(ring.failed());
    }
    SECTION("response consumer ahead of the producer") {
        Ring ring(page);
        page.rsp_cons = 5;
        Connection c(1, Connection::Kind::kDomain, 3);
        c.queue("hello", false);
        std::size_t written = 0;
        CHECK(ring.write_output(c, written) == Ring::Status::kBadIndex);
        CHECK(written == 0);
    }
    SECTION("length past XENSTORE_PAYLOAD_MAX") {
        Ring ring(page);
        Guest guest{page};
        xsd_sockmsg h{XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
        guest.send(std::string_view(reinterpret_cast<const char*>(&h), sizeof h));
        std::vector<xs::Message> got;
        CHECK(ring.read_requests(got, 10) == Ring::Status::kBadMessage);
        CHECK(page.error == XENSTORE_ERROR_PROTO);
        // A reconnect clears the failure.
        page.connection = XENSTORE_RECONNECT;
        CHECK(ring.reconnect_requested());
        ring.reset();
        CHECK(page.connection == XENSTORE_CONNECTED);
        CHECK(page.error == XENSTORE_ERROR_NONE);
        CHECK_FALSE(ring.failed());
    }
}

TEST_CASE("output larger than the response ring is written as the guest consumes it") {
    xenstore_domain_interface page{};
    Ring ring(page);
    Guest guest{page};
    Connection c(1, Connection::Kind::kDomain, 3);
    const std::string big(3000, 'r');
    c.queue(big, false);
    c.queue("tail", true);
    std::string seen;
    for (int i = 0; i < 10 && !c.output().empty(); ++i) {
        std::size_t written = 0;
        REQUIRE(ring.write_output(c, written) == Ring::Status::kOk);
        CHECK(written <= XENSTORE_RING_SIZE);
        seen += guest.receive();
    }
    CHECK(seen == big + "tail");
    CHECK(c.pending_replies() == 0);
}

namespace {

/// Run the loop until pred holds or nothing more can happen.
template <class Pred>
bool pump(boost::asio::io_context& io, Pred pred) {
    for (int i = 0; i < 1000 && !pred(); ++i) {
        io.restart();
        io.poll();
    }
    return pred();
}

}  // namespace

TEST_CASE("an introduced domain is served over its ring through the event loop") {
    boost::asio::io_context io;
    FakeDevices devices;
    Daemon daemon;
    DomainRings rings(io, devices);
    daemon.set_connector(&rings);
    REQUIRE(daemon.introduce(3, 1234, 7, true) == 0);
    REQUIRE(devices.last_port != nullptr);
    auto& page = devices.pages[3];
    Guest guest{page};

    const auto req = xs::encode(XS_GET_DOMAIN_PATH, 42, 0, std::string("3\0", 2));
    REQUIRE(guest.send(req) == req.size());
    devices.last_port->kick();
    std::string got;
    REQUIRE(pump(io, [&] {
        got += guest.receive();
        return got.size() >= xs::kHeaderSize + 16;
    }));
    const auto h =
        xs::decode_header(std::span<const char, xs::kHeaderSize>(got.data(), xs::kHeaderSize));
    CHECK(h.type == XS_GET_DOMAIN_PATH);
    CHECK(h.req_id == 42);
    CHECK(got.substr(xs::kHeaderSize) == std::string("/local/domain/3\0", 16));
    CHECK(devices.notified > 0);

    // A guest that asks to reconnect gets fresh indices.
    page.connection = XENSTORE_RECONNECT;
    devices.last_port->kick();
    REQUIRE(pump(io, [&] { return page.connection == XENSTORE_CONNECTED; }));
    CHECK(page.req_prod == 0);

    // Watch events reach the guest without it asking.
    const auto watch = xs::encode(XS_WATCH, 1, 0, std::string("/w\0tok\0", 7));
    guest.send(watch);
    devices.last_port->kick();
    std::string events;
    REQUIRE(pump(io, [&] {
        events += guest.receive();
        return events.find("tok") != std::string::npos;
    }));
    REQUIRE(daemon.release(3) == 0);
    io.restart();
    io.poll();
}

TEST_CASE("INTRODUCE fails cleanly when the ring cannot be mapped") {
    boost::asio::io_context io;
    FakeDevices devices;
    devices.refuse = 4;
    Daemon daemon;
    DomainRings rings(io, devices);
    daemon.set_connector(&rings);
    CHECK(daemon.introduce(4, 1, 2, true) == ENOENT);
    CHECK_FALSE(daemon.domains().contains(4));
}

TEST_CASE("output queues are bounded: slow sockets are dropped, guest events are shed") {
    const std::string chunk(1u << 20, 'x');
    Connection sock(1, Connection::Kind::kSocket, 0);
    int wakeups = 0;
    sock.on_output = [&] { ++wakeups; };
    for (int i = 0; i < 4; ++i) REQUIRE(sock.queue(chunk, true));
    CHECK_FALSE(sock.queue(chunk, true));
    CHECK(sock.closing());  // the transport closes it; nobody else waits for it
    CHECK(wakeups == 5);
    CHECK_FALSE(sock.queue("late reply", false));

    Connection guest(2, Connection::Kind::kDomain, 5);
    for (int i = 0; i < 4; ++i) REQUIRE(guest.queue(chunk, true));
    CHECK_FALSE(guest.queue(chunk, true));
    CHECK_FALSE(guest.closing());  // a ring cannot be closed: the event is dropped instead
    CHECK(guest.queued_bytes() == 4 * chunk.size());
    guest.pop_front();
    CHECK(guest.queue("next", true));
}

TEST_CASE("a guest that never reads its replies stalls only itself") {
    boost::asio::io_context io;
    FakeDevices devices;
    Daemon daemon;
    DomainRings rings(io, devices);
    daemon.set_connector(&rings);
    REQUIRE(daemon.introduce(3, 1, 1, false) == 0);
    REQUIRE(daemon.introduce(4, 1, 2, false) == 0);
    Guest dead{devices.pages[3]};
    Guest live{devices.pages[4]};
    const auto req = xs::encode(XS_GET_DOMAIN_PATH, 1, 0, std::string("3\0", 2));
    // The dead guest floods requests and never consumes its response ring.
    std::size_t sent_messages = 0;
    for (int round = 0; round < 200; ++round) {
        if (devices.pages[3].req_prod - devices.pages[3].req_cons + req.size() <=
            XENSTORE_RING_SIZE) {
            REQUIRE(dead.send(req) == req.size());
            ++sent_messages;
        }
        devices.ports[3]->kick();
        io.restart();
        io.poll();
    }
    auto dead_conn = daemon.connection(daemon.domains().at(3).conn);
    CHECK(sent_messages > 60);  // more than the ring and the quota can absorb
    CHECK(dead_conn->pending_replies() <= daemon.quota().outstanding);
    CHECK(dead_conn->queued_bytes() <= daemon.quota().outstanding * 64);

    // The other guest is served as usual.
    const auto mine = xs::encode(XS_GET_DOMAIN_PATH, 9, 0, std::string("4\0", 2));
    REQUIRE(live.send(mine) == mine.size());
    devices.ports[4]->kick();
    std::string got;
    REQUIRE(pump(io, [&] {
        got += live.receive();
        return got.size() >= xs::kHeaderSize + 16;
    }));
    CHECK(got.substr(xs::kHeaderSize) == std::string("/local/domain/4\0", 16));
}
