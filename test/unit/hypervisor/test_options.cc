// The hypervisor command line.
#include <catch2/catch.hpp>

#include "arch/host/fake.h"
#include "hv/options.h"

using namespace hv;

TEST_CASE("Xen's options are understood") {
    Options o;
    fake::ConsoleCapture con;
    REQUIRE(parse_options("dom0_mem=512M dom0_max_vcpus=2 vwfi=native sched=null loglvl=all "
                          "console=dtuart dtuart=/pl011@9000000",
                          o));
    CHECK(o.dom0_mem == (u64{512} << 20));
    CHECK(o.dom0_max_vcpus == 2);
    CHECK_FALSE(o.vwfi_trap);
    CHECK(o.sched_null);
    CHECK(o.loglvl == 4);
    CHECK(con.text().empty());
    Options g;
    REQUIRE(parse_options("  dom0_mem=1G  ", g));
    CHECK(g.dom0_mem == (u64{1} << 30));
    REQUIRE(parse_options("dom0_mem=65536K", g));
    CHECK(g.dom0_mem == (u64{64} << 20));
}

TEST_CASE("bad values are errors, unknown options warnings") {
    fake::ConsoleCapture con;
    Options o;
    CHECK_FALSE(parse_options("dom0_mem=lots", o));
    CHECK(con.text().find("option dom0_mem=lots: expected a size") != std::string::npos);
    CHECK_FALSE(parse_options("dom0_mem=0", o));
    CHECK_FALSE(parse_options("dom0_mem=12Q", o));
    CHECK_FALSE(parse_options("dom0_mem=99999999999999999999G", o));
    CHECK_FALSE(parse_options("dom0_max_vcpus=0", o));
    CHECK_FALSE(parse_options("vwfi=sometimes", o));
    CHECK_FALSE(parse_options("sched=fifo", o));
    CHECK(parse_options("frobnicate=1", o));
    CHECK(con.text().find("unknown option 'frobnicate=1' ignored") != std::string::npos);
}
