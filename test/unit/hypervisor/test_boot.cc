// The boot sequence's reports and refusals, through the fake arch.
#include <catch2/catch.hpp>
#include <cstring>

#include "arch/host/fake.h"
#include "dtb_fixture.h"
#include "hv/boot.h"

using namespace hv;

TEST_CASE("a corrupt DTB is reported and the machine powers off") {
    std::vector<char> junk(256, 0x42);
    fake::ConsoleCapture con;
    int before = fake::g_state.power_offs;
    CHECK_THROWS_AS(boot(junk.data()), fake::PoweredOff);
    CHECK(fake::g_state.power_offs == before + 1);
    CHECK(con.text().find("Tessera hypervisor") != std::string::npos);
    CHECK(con.text().find("error: boot device tree") != std::string::npos);
    CHECK(con.text().find("not a valid flattened device tree") != std::string::npos);
}

TEST_CASE("a missing dom0 kernel is reported with how to give one") {
    auto dtb = load_test_dtb("virt-bare.dtb");
    fake::ConsoleCapture con;
    CHECK_THROWS_AS(boot(dtb.data()), fake::PoweredOff);
    CHECK(con.text().find("error: no dom0 kernel") != std::string::npos);
    CHECK(con.text().find("guest-loader") != std::string::npos);
}

TEST_CASE("boot info is printed: banks, CPUs, modules, options") {
    auto dtb = load_test_dtb("virt-modules.dtb");
    BootInfo info;
    REQUIRE(parse_host_dt(dtb.data(), info) == DtError::kOk);
    fake::ConsoleCapture con;
    print_boot_info(info);
    CHECK(check_dom0_modules(info));
    const std::string& t = con.text();
    CHECK(t.find("4 CPU(s)") != std::string::npos);
    CHECK(t.find("RAM bank 0: 0x0000000040000000-0x00000000bfffffff (2048 MiB)") !=
          std::string::npos);
    CHECK(t.find("kernel at 0x49000000") != std::string::npos);
    CHECK(t.find("bootargs: console=hvc0 rw") != std::string::npos);
    CHECK(t.find("command line: \"dom0_mem=512M loglvl=all\"") != std::string::npos);
    CHECK(t.find("\r\n") != std::string::npos);  // the console turns \n into \r\n
}
