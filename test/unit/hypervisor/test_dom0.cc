// dom0's plan and device tree, from QEMU virt's real DTB (XEN-ABI.md §1.1, §2.7).
#include <libfdt.h>

#include <cstring>
#include <string>
#include <vector>

#include "arch/host/fake.h"
#include "dtb_fixture.h"
#include "hv/dom0.h"
#include "hv/options.h"

using namespace hv;

namespace {

std::string prop_string(const void* fdt, int node, const char* name) {
    int len = 0;
    auto* p = static_cast<const char*>(fdt_getprop(fdt, node, name, &len));
    return p == nullptr ? std::string("<absent>") : std::string(p, static_cast<size_t>(len));
}

std::vector<u32> prop_cells(const void* fdt, int node, const char* name) {
    int len = 0;
    auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, name, &len));
    std::vector<u32> out;
    for (int i = 0; p != nullptr && i < len / 4; ++i) out.push_back(fdt32_to_cpu(p[i]));
    return out;
}

Dom0Layout sample_layout(u32 vcpus) {
    Dom0Layout l;
    l.ram = {PAddr(0x60000000), u64{512} << 20};
    l.kernel = PAddr(0x60000000);
    l.dtb = PAddr(0x62000000);
    l.dtb_max = 2u << 20;
    l.initrd = PAddr(0x62200000);
    l.initrd_size = 0x123456;
    l.gnttab_window = {PAddr(0x40400000), 64u << 12};
    l.nr_vcpus = vcpus;
    return l;
}

}  // namespace

TEST_CASE("dom0's device tree is the host's, edited as Xen 4.17 does") {
    auto host = load_test_dtb("virt-modules.dtb");
    BootInfo info;
    REQUIRE(parse_host_dt(host.data(), info) == DtError::kOk);
    std::vector<char> out(2u << 20);
    Dom0Layout l = sample_layout(3);
    REQUIRE(build_dom0_dt(host.data(), out.data(), out.size(), info, l, "console=hvc0 rw") == 0);
    const void* fdt = out.data();
    REQUIRE(fdt_check_full(fdt, fdt_totalsize(fdt)) == 0);

    int hyp = fdt_path_offset(fdt, "/hypervisor");
    REQUIRE(hyp >= 0);
    CHECK(prop_string(fdt, hyp, "compatible") == std::string("xen,xen-4.17\0xen,xen\0", 21));
    CHECK(prop_cells(fdt, hyp, "reg") == std::vector<u32>{0, 0x40400000, 0, 64u << 12});
    CHECK(prop_cells(fdt, hyp, "interrupts") == std::vector<u32>{1, 15, 0xf08});
    int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    REQUIRE(gic >= 0);
    CHECK(prop_cells(fdt, hyp, "interrupt-parent") ==
          std::vector<u32>{fdt_get_phandle(fdt, gic)});
    CHECK(fdt_getprop(fdt, gic, "interrupts", nullptr) == nullptr);  // maintenance IRQ is ours
    CHECK(fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3-its") < 0);

    int cpus = fdt_path_offset(fdt, "/cpus");
    REQUIRE(cpus >= 0);
    std::vector<u32> regs;
    int cpu;
    fdt_for_each_subnode(cpu, fdt, cpus) {
        CHECK(prop_string(fdt, cpu, "enable-method") == std::string("psci\0", 5));
        regs.push_back(prop_cells(fdt, cpu, "reg").at(0));
    }
    CHECK(regs == std::vector<u32>{0, 1, 2});  // vCPU order = MPIDR order
    CHECK(fdt_path_offset(fdt, "/cpus/cpu-map") < 0);  // the host's topology is gone

    int psci = fdt_path_offset(fdt, "/psci");
    REQUIRE(psci >= 0);
    CHECK(prop_string(fdt, psci, "method") == std::string("hvc\0", 4));

    int mem = fdt_path_offset(fdt, "/memory@60000000");
    REQUIRE(mem >= 0);
    CHECK(prop_cells(fdt, mem, "reg") == std::vector<u32>{0, 0x60000000, 0, 0x20000000});
    CHECK(fdt_path_offset(fdt, "/memory@40000000") < 0);

    int chosen = fdt_path_offset(fdt, "/chosen");
    CHECK(prop_string(fdt, chosen, "bootargs") == std::string("console=hvc0 rw\0", 16));
    CHECK(fdt_getprop(fdt, chosen, "stdout-path", nullptr) == nullptr);
    CHECK(prop_cells(fdt, chosen, "linux,initrd-start") == std::vector<u32>{0, 0x62200000});
    CHECK(prop_cells(fdt, chosen, "linux,initrd-end") == std::vector<u32>{0, 0x62323456});
    int sub = fdt_first_subnode(fdt, chosen);
    CHECK(sub < 0);  // the boot modules are not dom0's business

    CHECK(fdt_path_offset(fdt, "/pl011@9000000") < 0);  // the hypervisor's UART
    CHECK(fdt_path_offset(fdt, "/pl031@9010000") >= 0);  // other devices stay
    CHECK(fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-pmuv3") < 0);
}

TEST_CASE("dom0's plan: 2 MiB-aligned RAM avoiding what is in use, Image placed by its header") {
    auto host = load_test_dtb("virt-modules.dtb");
    BootInfo info;
    REQUIRE(parse_host_dt(host.data(), info) == DtError::kOk);
    // The module's bytes are read through the fake arch, so point it at host memory.
    std::vector<u8> image(4096, 0);
    auto* kernel = const_cast<BootModule*>(info.module(ModuleKind::kKernel));
    REQUIRE(kernel != nullptr);
    kernel->range = {PAddr(reinterpret_cast<u64>(image.data())), image.size()};
    Options opts;
    Dom0Layout l;
    fake::ConsoleCapture con;
    CHECK_FALSE(plan_dom0(info, opts, nullptr, 0, 2, l));  // zeroes: not an Image
    CHECK(con.text().find("not an arm64 Image") != std::string::npos);

    // A synthetic Image: header with text_offset 0 and image_size 8 MiB.
    u64 image_size = 8u << 20;
    std::memcpy(&image[16], &image_size, 8);
    image[56] = 'A', image[57] = 'R', image[58] = 'M', image[59] = 0x64;
    PRange used[] = {{PAddr(0xb0000000), u64{256} << 20}};  // the top 256 MiB are taken
    opts.dom0_mem = u64{512} << 20;
    REQUIRE(plan_dom0(info, opts, used, 1, 2, l));
    CHECK(l.ram.end() == PAddr(0xb0000000));
    CHECK(l.ram.size == opts.dom0_mem);
    CHECK((l.ram.base.raw() & ((2u << 20) - 1)) == 0);
    CHECK(l.kernel == l.ram.base);
    CHECK(l.dtb == l.ram.base + (8u << 20));
    CHECK(l.initrd == l.dtb + (2u << 20));
    CHECK(l.nr_vcpus == 2);

    opts.dom0_mem = u64{4} << 30;
    CHECK_FALSE(plan_dom0(info, opts, used, 1, 2, l));
    CHECK(con.text().find("does not fit") != std::string::npos);
    opts.dom0_mem = u64{4} << 20;
    CHECK_FALSE(plan_dom0(info, opts, used, 1, 2, l));
    CHECK(con.text().find("cannot hold the kernel") != std::string::npos);
}
