// Host DT parsing against QEMU virt's real device trees, and corrupt ones.
#include <libfdt.h>

#include <cstring>

#include "dtb_fixture.h"
#include "hv/boot_info.h"

using namespace hv;

TEST_CASE("parses QEMU virt with boot modules, options and 4 CPUs") {
    auto dtb = load_test_dtb("virt-modules.dtb");
    BootInfo info;
    REQUIRE(parse_host_dt(dtb.data(), info) == DtError::kOk);

    REQUIRE(info.nr_banks == 1);
    CHECK(info.banks[0].base == PAddr(0x40000000));
    CHECK(info.banks[0].size == (u64{2048} << 20));
    CHECK(info.total_ram() == (u64{2048} << 20));

    REQUIRE(info.nr_cpus == 4);
    for (usize i = 0; i < 4; ++i) CHECK(info.cpu_mpidr[i] == i);

    CHECK(std::string(info.cmdline) == "dom0_mem=512M loglvl=all");
    CHECK(info.uart.base == PAddr(0x09000000));
    CHECK(info.uart.size == 0x1000);
    CHECK(info.gicd.base == PAddr(0x08000000));
    CHECK(info.gicr.base == PAddr(0x080a0000));
    CHECK(info.psci_smc);

    REQUIRE(info.nr_modules == 2);
    const BootModule* k = info.module(ModuleKind::kKernel);
    const BootModule* r = info.module(ModuleKind::kRamdisk);
    REQUIRE(k != nullptr);
    REQUIRE(r != nullptr);
    CHECK(k->range.base == PAddr(0x49000000));
    CHECK(k->range.size == test_payload_size());
    REQUIRE(k->bootargs != nullptr);
    CHECK(std::string(k->bootargs) == "console=hvc0 rw");
    CHECK(r->range.base == PAddr(0x50000000));
    CHECK(r->bootargs == nullptr);
}

TEST_CASE("parses a bare QEMU virt tree: one CPU, no modules, no options") {
    auto dtb = load_test_dtb("virt-bare.dtb");
    BootInfo info;
    REQUIRE(parse_host_dt(dtb.data(), info) == DtError::kOk);
    CHECK(info.nr_cpus == 1);
    CHECK(info.nr_modules == 0);
    CHECK(info.module(ModuleKind::kKernel) == nullptr);
    CHECK(std::string(info.cmdline).empty());
    CHECK(info.banks[0].size == (u64{1024} << 20));
}

TEST_CASE("rejects corrupt device trees") {
    auto dtb = load_test_dtb("virt-modules.dtb");
    BootInfo info;

    SECTION("bad magic") {
        dtb[0] ^= 0x55;
        CHECK(parse_host_dt(dtb.data(), info) == DtError::kBadHeader);
    }
    SECTION("garbage in the structure block") {
        u32 off = fdt_off_dt_struct(dtb.data());
        std::memset(dtb.data() + off + 8, 0xa5, 64);
        CHECK(parse_host_dt(dtb.data(), info) == DtError::kBadHeader);
    }
    SECTION("a total size beyond the 2 MiB cap") {
        fdt_set_totalsize(dtb.data(), 64u << 20);
        CHECK(parse_host_dt(dtb.data(), info) == DtError::kBadHeader);
    }
    SECTION("a structure block that runs past the end") {
        fdt_set_size_dt_struct(dtb.data(), fdt_totalsize(dtb.data()));
        CHECK(parse_host_dt(dtb.data(), info) == DtError::kBadHeader);
    }
    SECTION("all zeroes") {
        std::vector<char> zeroes(4096, 0);
        CHECK(parse_host_dt(zeroes.data(), info) == DtError::kBadHeader);
    }
}

TEST_CASE("rejects trees that are valid but unusable") {
    auto dtb = load_test_dtb("virt-modules.dtb");
    dtb.resize(dtb.size() + 4096);
    void* fdt = dtb.data();
    REQUIRE(fdt_open_into(fdt, fdt, static_cast<int>(dtb.size())) == 0);
    BootInfo info;

    SECTION("no memory node") {
        int mem = fdt_path_offset(fdt, "/memory@40000000");
        REQUIRE(mem >= 0);
        REQUIRE(fdt_del_node(fdt, mem) == 0);
        CHECK(parse_host_dt(fdt, info) == DtError::kNoMemory);
    }
    SECTION("a reg property of the wrong length") {
        int mem = fdt_path_offset(fdt, "/memory@40000000");
        u32 short_reg[3] = {0, cpu_to_fdt32(0x40000000), 0};
        REQUIRE(fdt_setprop(fdt, mem, "reg", short_reg, sizeof short_reg) == 0);
        CHECK(parse_host_dt(fdt, info) == DtError::kBadReg);
    }
    SECTION("no CPUs") {
        REQUIRE(fdt_del_node(fdt, fdt_path_offset(fdt, "/cpus")) == 0);
        CHECK(parse_host_dt(fdt, info) == DtError::kNoCpus);
    }
    SECTION("no GICv3") {
        int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
        REQUIRE(gic >= 0);
        REQUIRE(fdt_setprop_string(fdt, gic, "compatible", "arm,cortex-a15-gic") == 0);
        CHECK(parse_host_dt(fdt, info) == DtError::kNoGic);
    }
    SECTION("a boot module with an empty reg") {
        int chosen = fdt_path_offset(fdt, "/chosen");
        int mod = fdt_first_subnode(fdt, chosen);
        REQUIRE(mod >= 0);
        u32 zero_reg[4] = {0, cpu_to_fdt32(0x49000000), 0, 0};
        REQUIRE(fdt_setprop(fdt, mod, "reg", zero_reg, sizeof zero_reg) == 0);
        CHECK(parse_host_dt(fdt, info) == DtError::kBadReg);
    }
    CHECK(std::string(dt_error_text(DtError::kNoGic)).find("GICv3") != std::string::npos);
}
