// Console input routing: Ctrl-A three times switches between dom0 and the hypervisor's keys.
#include <catch2/catch.hpp>
#include <string>

#include "arch/host/fake.h"
#include "hv/console.h"

using namespace hv;

namespace {
std::string drain() {
    char buf[64];
    usize n = console::input_read(buf, sizeof buf);
    return std::string(buf, n);
}
}  // namespace

TEST_CASE("input goes to dom0 until Ctrl-A is typed three times, then to the hypervisor") {
    fake::ConsoleCapture con;
    drain();
    REQUIRE_FALSE(console::input_to_hypervisor());
    console::receive('l');
    console::receive('s');
    CHECK(drain() == "ls");
    console::receive(0x01);
    console::receive('x');  // a lone Ctrl-A is dom0's (e.g. the shell's line start)
    CHECK(drain() == "\x01x");
    for (int i = 0; i < 3; ++i) console::receive(0x01);
    CHECK(console::input_to_hypervisor());
    CHECK(con.text().find("Serial input to Tessera") != std::string::npos);
    console::receive('h');
    CHECK(con.text().find("keys: h help") != std::string::npos);
    CHECK(drain().empty());  // nothing reached dom0
    for (int i = 0; i < 3; ++i) console::receive(0x01);
    CHECK_FALSE(console::input_to_hypervisor());
    CHECK(con.text().find("Serial input to DOM0") != std::string::npos);
    console::receive('y');
    CHECK(drain() == "y");
}
