// The guest device tree, read back with libfdt node by node and property by property.
#include <catch2/catch.hpp>

extern "C" {
#include <libfdt.h>
}

#include <cstring>
#include <string>
#include <vector>

#include "toolstack/guest_dt.h"
#include "toolstack/xen_abi.h"

using namespace tessera::toolstack;

namespace {

/// Read access to a built blob.
class Dt {
public:
    explicit Dt(std::vector<std::byte> blob) : blob_(std::move(blob)) {
        REQUIRE(fdt_check_header(blob_.data()) == 0);
        REQUIRE(fdt_totalsize(blob_.data()) == blob_.size());
    }

    int node(const char* path) const {
        const int off = fdt_path_offset(blob_.data(), path);
        INFO(path);
        REQUIRE(off >= 0);
        return off;
    }
    bool has(const char* path) const { return fdt_path_offset(blob_.data(), path) >= 0; }

    std::vector<uint8_t> raw(const char* path, const char* prop) const {
        int len = 0;
        const void* p = fdt_getprop(blob_.data(), node(path), prop, &len);
        INFO(path << " " << prop);
        REQUIRE(p != nullptr);
        const auto* b = static_cast<const uint8_t*>(p);
        return {b, b + len};
    }
    bool has_prop(const char* path, const char* prop) const {
        return fdt_getprop(blob_.data(), node(path), prop, nullptr) != nullptr;
    }
    std::vector<uint32_t> cells(const char* path, const char* prop) const {
        auto r = raw(path, prop);
        REQUIRE(r.size() % 4 == 0);
        std::vector<uint32_t> out;
        for (size_t i = 0; i < r.size(); i += 4) {
            out.push_back(uint32_t{r[i]} << 24 | uint32_t{r[i + 1]} << 16 |
                          uint32_t{r[i + 2]} << 8 | r[i + 3]);
        }
        return out;
    }
    uint32_t cell(const char* path, const char* prop) const {
        auto c = cells(path, prop);
        REQUIRE(c.size() == 1);
        return c[0];
    }
    uint64_t u64(const char* path, const char* prop) const {
        auto c = cells(path, prop);
        REQUIRE(c.size() == 2);
        return uint64_t{c[0]} << 32 | c[1];
    }
    /// A string or a string list, split at the NULs.
    std::vector<std::string> strings(const char* path, const char* prop) const {
        auto r = raw(path, prop);
        REQUIRE(!r.empty());
        REQUIRE(r.back() == 0);
        std::vector<std::string> out;
        std::string cur;
        for (size_t i = 0; i + 1 <= r.size(); ++i) {
            if (r[i] == 0) {
                out.push_back(cur);
                cur.clear();
            } else {
                cur += static_cast<char>(r[i]);
            }
        }
        return out;
    }
    std::vector<std::string> children(const char* path) const {
        std::vector<std::string> out;
        int child = 0;
        fdt_for_each_subnode(child, blob_.data(), node(path)) {
            out.emplace_back(fdt_get_name(blob_.data(), child, nullptr));
        }
        return out;
    }

private:
    std::vector<std::byte> blob_;
};

using Strings = std::vector<std::string>;
using Cells = std::vector<uint32_t>;

uint32_t hi(uint64_t v) {
    return static_cast<uint32_t>(v >> 32);
}
uint32_t lo(uint64_t v) {
    return static_cast<uint32_t>(v);
}

}  // namespace

TEST_CASE("dt: every node and property of a 2-vCPU guest with an initrd") {
    GuestDtParams p;
    p.nr_vcpus = 2;
    p.ram_bytes = 256ull << 20;
    p.bootargs = "console=hvc0 root=/dev/ram0";
    p.ramdisk = GuestRange{0x48000000, 0x123456};
    p.rng_seed = std::vector<std::byte>(16, std::byte{0xab});
    auto blob = build_guest_dt(p);
    REQUIRE(blob.has_value());
    Dt dt(std::move(*blob));

    REQUIRE(dt.children("/") == Strings{"chosen", "cpus", "psci", "memory@40000000",
                                        "interrupt-controller@3001000", "timer", "hypervisor"});
    REQUIRE(dt.strings("/", "model") == Strings{"XENVM-4.17"});
    REQUIRE(dt.strings("/", "compatible") == Strings{"xen,xenvm-4.17", "xen,xenvm"});
    REQUIRE(dt.cell("/", "#address-cells") == 2);
    REQUIRE(dt.cell("/", "#size-cells") == 2);
    REQUIRE(dt.cell("/", "interrupt-parent") == GUEST_PHANDLE_GIC);

    REQUIRE(dt.strings("/chosen", "bootargs") == Strings{"console=hvc0 root=/dev/ram0"});
    REQUIRE(dt.u64("/chosen", "linux,initrd-start") == 0x48000000);
    REQUIRE(dt.u64("/chosen", "linux,initrd-end") == 0x48000000 + 0x123456);
    REQUIRE(dt.raw("/chosen", "rng-seed") == std::vector<uint8_t>(16, 0xab));

    REQUIRE(dt.cell("/cpus", "#address-cells") == 1);
    REQUIRE(dt.cell("/cpus", "#size-cells") == 0);
    REQUIRE(dt.children("/cpus") == Strings{"cpu@0", "cpu@1"});
    for (const char* cpu : {"/cpus/cpu@0", "/cpus/cpu@1"}) {
        REQUIRE(dt.strings(cpu, "device_type") == Strings{"cpu"});
        REQUIRE(dt.strings(cpu, "compatible") == Strings{"arm,armv8"});
        REQUIRE(dt.strings(cpu, "enable-method") == Strings{"psci"});
    }
    REQUIRE(dt.cell("/cpus/cpu@1", "reg") == 1);

    REQUIRE(dt.strings("/psci", "compatible") ==
            Strings{"arm,psci-1.0", "arm,psci-0.2", "arm,psci"});
    REQUIRE(dt.strings("/psci", "method") == Strings{"hvc"});
    REQUIRE(dt.cell("/psci", "cpu_off") == PSCI_cpu_off);
    REQUIRE(dt.cell("/psci", "cpu_on") == PSCI_cpu_on);

    REQUIRE(dt.strings("/memory@40000000", "device_type") == Strings{"memory"});
    REQUIRE(dt.cells("/memory@40000000", "reg") == Cells{0, 0x40000000, 0, 256u << 20});

    const char* gic = "/interrupt-controller@3001000";
    REQUIRE(dt.strings(gic, "compatible") == Strings{"arm,gic-v3"});
    REQUIRE(dt.cell(gic, "#interrupt-cells") == 3);
    REQUIRE(dt.cell(gic, "#address-cells") == 0);
    REQUIRE(dt.raw(gic, "interrupt-controller").empty());
    REQUIRE(dt.cells(gic, "reg") == Cells{hi(GUEST_GICV3_GICD_BASE), lo(GUEST_GICV3_GICD_BASE),
                                          hi(GUEST_GICV3_GICD_SIZE), lo(GUEST_GICV3_GICD_SIZE),
                                          hi(GUEST_GICV3_GICR0_BASE), lo(GUEST_GICV3_GICR0_BASE), 0,
                                          2 * 0x20000});
    REQUIRE(dt.cell(gic, "phandle") == GUEST_PHANDLE_GIC);
    REQUIRE(dt.cell(gic, "linux,phandle") == GUEST_PHANDLE_GIC);

    REQUIRE(dt.strings("/timer", "compatible") == Strings{"arm,armv8-timer"});
    REQUIRE(dt.cells("/timer", "interrupts") == Cells{1, GUEST_TIMER_PHYS_S_PPI - 16, 0xf08, 1,
                                                      GUEST_TIMER_PHYS_NS_PPI - 16, 0xf08, 1,
                                                      GUEST_TIMER_VIRT_PPI - 16, 0xf08});
    REQUIRE(dt.cells("/timer", "interrupts")[1] == 13);  // secure physical timer, INTID 29
    REQUIRE(dt.cell("/timer", "interrupt-parent") == GUEST_PHANDLE_GIC);

    REQUIRE(dt.strings("/hypervisor", "compatible") == Strings{"xen,xen-4.17", "xen,xen"});
    REQUIRE(dt.cells("/hypervisor", "reg") ==
            Cells{0, lo(GUEST_GNTTAB_BASE), 0, lo(GUEST_GNTTAB_SIZE)});
    REQUIRE(dt.cells("/hypervisor", "interrupts") == Cells{1, GUEST_EVTCHN_PPI - 16, 0xf08});
    REQUIRE(dt.cell("/hypervisor", "interrupt-parent") == GUEST_PHANDLE_GIC);
}

TEST_CASE("dt: no initrd, no bootargs, no seed") {
    GuestDtParams p;
    p.ram_bytes = 64ull << 20;
    Dt dt(*build_guest_dt(p));
    REQUIRE_FALSE(dt.has_prop("/chosen", "bootargs"));
    REQUIRE_FALSE(dt.has_prop("/chosen", "linux,initrd-start"));
    REQUIRE_FALSE(dt.has_prop("/chosen", "linux,initrd-end"));
    REQUIRE_FALSE(dt.has_prop("/chosen", "rng-seed"));
    REQUIRE(dt.children("/cpus") == Strings{"cpu@0"});
}

TEST_CASE("dt: RAM beyond bank 0 goes to bank 1") {
    GuestDtParams p;
    p.ram_bytes = GUEST_RAM0_SIZE + (1ull << 30);
    Dt dt(*build_guest_dt(p));
    REQUIRE(dt.cells("/memory@40000000", "reg") ==
            Cells{0, lo(GUEST_RAM0_BASE), 0, lo(GUEST_RAM0_SIZE)});
    REQUIRE(dt.cells("/memory@200000000", "reg") ==
            Cells{hi(GUEST_RAM1_BASE), lo(GUEST_RAM1_BASE), 0, 1u << 30});
}

TEST_CASE("dt: vCPU MPIDRs as Xen numbers them, and a redistributor per vCPU") {
    REQUIRE(guest_vcpu_mpidr(0) == 0);
    REQUIRE(guest_vcpu_mpidr(15) == 15);
    REQUIRE(guest_vcpu_mpidr(16) == 0x100);
    REQUIRE(guest_vcpu_mpidr(37) == 0x205);
    GuestDtParams p;
    p.nr_vcpus = 20;
    p.ram_bytes = 1ull << 30;
    Dt dt(*build_guest_dt(p));
    REQUIRE(dt.children("/cpus").size() == 20);
    REQUIRE(dt.cell("/cpus/cpu@103", "reg") == 0x103);  // vCPU 19: Aff1 = 1, Aff0 = 3
    REQUIRE(dt.cells("/interrupt-controller@3001000", "reg")[7] == 20 * 0x20000);
}

TEST_CASE("dt: out-of-range inputs are refused") {
    GuestDtParams p;
    p.ram_bytes = 64ull << 20;
    p.nr_vcpus = 0;
    REQUIRE_FALSE(build_guest_dt(p).has_value());
    p.nr_vcpus = GUEST_MAX_VCPUS + 1;
    REQUIRE_FALSE(build_guest_dt(p).has_value());
    p.nr_vcpus = GUEST_MAX_VCPUS;
    REQUIRE(build_guest_dt(p).has_value());
    p.ram_bytes = 0;
    REQUIRE_FALSE(build_guest_dt(p).has_value());
}
