// The hypervisor's printf-style formatter.
#include <catch2/catch.hpp>
#include <string>

#include "hv/fmt.h"

namespace {
template <typename... Args>
std::string fmt(const char* f, Args... args) {
    char buf[128];
    hv::format(buf, sizeof buf, f, args...);
    return buf;
}
}  // namespace

TEST_CASE("formats integers, strings and pointers") {
    CHECK(fmt("%d %i %u", -42, 7, 3000000000u) == "-42 7 3000000000");
    CHECK(fmt("%x %X %08x", 0xbeefu, 0xbeefu, 0x12u) == "beef BEEF 00000012");
    CHECK(fmt("%llx", 0xffffffff00000001ull) == "ffffffff00000001");
    CHECK(fmt("%ld %zu", -9000000000l, static_cast<size_t>(12)) == "-9000000000 12");
    CHECK(fmt("[%5s|%-5s]", "ab", "cd") == "[   ab|cd   ]");
    const char* volatile null_str = nullptr;
    CHECK(fmt("%s", null_str) == "(null)");
    CHECK(fmt("%c%c", 'o', 'k') == "ok");
    CHECK(fmt("%p", reinterpret_cast<void*>(0x1234)) == "0x0000000000001234");
    CHECK(fmt("100%%") == "100%");
    CHECK(fmt("%-4d|%04d", -1, -1) == "-1  |-001");
    CHECK(fmt("%lld", static_cast<long long>(INT64_MIN)) == "-9223372036854775808");
    CHECK(fmt("[%.3s]", "abcdef") == "[abc]");
    CHECK(fmt("[%.*s|%s]", 2, "xyz", "end") == "[xy|end]");
    CHECK(fmt("[%.*s]", 10, "ab") == "[ab]");
}

TEST_CASE("truncates safely and reports the full length") {
    char buf[8];
    hv::usize n = hv::format(buf, sizeof buf, "%s", "0123456789");
    CHECK(n == 10);
    CHECK(std::string(buf) == "0123456");
    CHECK(hv::format(nullptr, 0, "%d", 12345) == 5);
}
