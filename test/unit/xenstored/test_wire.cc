// Wire helpers: header coding, error names from xs_wire.h, string lists, stream decoding.
#include "harness.hpp"

using namespace tessera::xenstored::test;
namespace xs = tessera::xs;

TEST_CASE("headers round-trip through encode and decode") {
    const auto bytes = xs::encode(XS_WRITE, 0x01020304, 77, std::string("a\0b", 3));
    REQUIRE(bytes.size() == xs::kHeaderSize + 3);
    const auto h =
        xs::decode_header(std::span<const char, xs::kHeaderSize>(bytes.data(), xs::kHeaderSize));
    CHECK(h.type == XS_WRITE);
    CHECK(h.req_id == 0x01020304u);
    CHECK(h.tx_id == 77u);
    CHECK(h.len == 3u);
}

TEST_CASE("error names are Xen's") {
    CHECK(xs::error_name(EACCES) == "EACCES");
    CHECK(xs::error_name(EAGAIN) == "EAGAIN");
    CHECK(xs::error_name(E2BIG) == "E2BIG");
    CHECK(xs::error_name(EPERM) == "EPERM");
    CHECK(xs::error_name(ETIMEDOUT) == "EINVAL");  // not in xsd_errors
    CHECK(xs::error_from_name("ENOENT") == ENOENT);
    CHECK_FALSE(xs::error_from_name("ENOPE").has_value());
    CHECK(xs::type_name(XS_DIRECTORY_PART) == "DIRECTORY_PART");
    CHECK(xs::type_name(999) == "UNKNOWN");
}

TEST_CASE("payload strings split at NULs; trailing bytes are reported") {
    std::string_view tail;
    const auto parts = xs::split_strings(std::string_view("ab\0\0c\0dd", 8), &tail);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == "ab");
    CHECK(parts[1].empty());
    CHECK(parts[2] == "c");
    CHECK(tail == "dd");
    CHECK(xs::split_strings("").empty());
    const std::vector<std::string> items{"x", "yz"};
    CHECK(xs::join_strings(items) == std::string("x\0yz\0", 5));
}

TEST_CASE("the stream decoder handles byte-at-a-time input and rejects oversized lengths") {
    const auto a = xs::encode(XS_READ, 1, 0, std::string("/a\0", 3));
    const auto b = xs::encode(XS_MKDIR, 2, 0, std::string("/b\0", 3));
    const std::string stream = a + b;
    xs::StreamDecoder d;
    std::vector<xs::Message> got;
    for (char c : stream) {
        CHECK(d.feed(std::span<const char>(&c, 1)) == 1);
        if (d.status() == xs::StreamDecoder::Status::kMessage) got.push_back(d.take());
    }
    REQUIRE(got.size() == 2);
    CHECK(got[1].header.req_id == 2);
    CHECK(got[1].payload == std::string("/b\0", 3));

    xsd_sockmsg h{XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1};
    xs::StreamDecoder bad;
    bad.feed(std::span<const char>(reinterpret_cast<const char*>(&h), sizeof h));
    CHECK(bad.status() == xs::StreamDecoder::Status::kTooLong);

    xs::StreamDecoder partial;
    partial.feed(std::span<const char>(a.data(), 5));
    CHECK(partial.partial() == a.substr(0, 5));
    CHECK(partial.wanted() == xs::kHeaderSize - 5);
}
