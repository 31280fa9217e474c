// Console and xenstore byte rings: both ends on one page, wrap-around, hostile indices.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "ring/byte_ring.hpp"

using namespace tessera::xen;
using namespace tessera::xen::ring;

namespace {

std::string read_all(auto& reader, std::size_t max = 4096) {
    std::string out(max, '\0');
    auto n = reader.read(out);
    REQUIRE(n);
    out.resize(*n);
    return out;
}

}  // namespace

TEST_CASE("console output flows from guest to dom0 and input back", "[byte_ring]") {
    auto page = std::make_unique<xencons_interface>();
    ConsoleFrontend guest(*page);
    ConsoleBackend dom0(*page);
    REQUIRE(*guest.output.write(std::string_view("hello from domU\n")) == 16);
    CHECK(page->out_prod == 16);
    CHECK(*dom0.output.available() == 16);
    CHECK(read_all(dom0.output) == "hello from domU\n");
    CHECK(page->out_cons == 16);
    REQUIRE(*dom0.input.write(std::string_view("ls\n")) == 3);
    CHECK(read_all(guest.input) == "ls\n");
}

TEST_CASE("console rings fill up and wrap", "[byte_ring]") {
    auto page = std::make_unique<xencons_interface>();
    ConsoleFrontend guest(*page);
    ConsoleBackend dom0(*page);
    // in[] is 1024 bytes: the writer stops when it is full.
    const std::string big(1500, 'x');
    CHECK(*dom0.input.write(big) == 1024);
    CHECK(*dom0.input.space() == 0);
    CHECK(*dom0.input.write(std::string_view("y")) == 0);
    CHECK(read_all(guest.input, 1000).size() == 1000);
    // Now 24 bytes remain; writing 100 wraps past the end of in[].
    std::string pattern;
    for (int i = 0; i < 100; ++i) pattern.push_back(static_cast<char>('a' + i % 26));
    CHECK(*dom0.input.write(pattern) == 100);
    CHECK(read_all(guest.input) == std::string(24, 'x') + pattern);
    CHECK(page->in_cons == 1124);
    CHECK(page->in_prod == 1124);
}

TEST_CASE("indices that wrap around 2^32 still work", "[byte_ring]") {
    auto page = std::make_unique<xenstore_domain_interface>();
    page->req_cons = page->req_prod = 0xfffffff0u;
    XenstoreClient guest(*page);
    XenstoreServer xenstored(*page);
    const std::string msg(40, 'm');
    REQUIRE(*guest.requests.write(msg) == 40);
    CHECK(page->req_prod == 0x18u);
    CHECK(read_all(xenstored.requests) == msg);
}

TEST_CASE("xenstore requests and responses", "[byte_ring]") {
    auto page = std::make_unique<xenstore_domain_interface>();
    XenstoreClient guest(*page);
    XenstoreServer xenstored(*page);
    REQUIRE(*guest.requests.write(std::string_view("req")) == 3);
    CHECK(read_all(xenstored.requests) == "req");
    REQUIRE(*xenstored.responses.write(std::string_view("rsp!")) == 4);
    CHECK(read_all(guest.responses) == "rsp!");
}

TEST_CASE("a hostile producer index is an error, not an overread", "[byte_ring]") {
    auto page = std::make_unique<xenstore_domain_interface>();
    XenstoreServer xenstored(*page);
    page->req_prod = XENSTORE_RING_SIZE + 1;  // more than a ring ahead of req_cons
    std::string out(4096, '\0');
    auto r = xenstored.requests.read(out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EIO);
    CHECK(page->req_cons == 0);  // nothing consumed
    // Exactly a full ring is legal.
    page->req_prod = XENSTORE_RING_SIZE;
    CHECK(*xenstored.requests.read(out) == XENSTORE_RING_SIZE);
}

TEST_CASE("a hostile consumer index is an error for the writer", "[byte_ring]") {
    auto page = std::make_unique<xencons_interface>();
    ConsoleBackend dom0(*page);
    page->in_cons = 5;  // the guest claims to have read bytes never written
    auto r = dom0.input.write(std::string_view("abc"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EIO);
    CHECK(page->in_prod == 0);
}
