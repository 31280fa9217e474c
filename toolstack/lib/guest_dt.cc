// Guest device tree construction with libfdt's sequential-write API.
#include "toolstack/guest_dt.h"

extern "C" {
#include <libfdt.h>
}

#include <initializer_list>
#include <string_view>

#include "toolstack/xen_abi.h"

namespace tessera::toolstack {
namespace {

static_assert(GUEST_ROOT_ADDRESS_CELLS == 2 && GUEST_ROOT_SIZE_CELLS == 2,
              "reg values below are written as 64-bit address and size pairs");
static_assert(GUEST_GICV3_GICR0_SIZE / kGicv3RedistributorStride >= GUEST_MAX_VCPUS,
              "redistributor region 0 must fit every vCPU");

/// GIC interrupt specifier flags: all CPUs (bits 15:8) and level-low (bits 3:0), as the Arm GIC
/// binding (Linux Documentation/devicetree/bindings/interrupt-controller/arm,gic.yaml) encodes
/// them.
constexpr uint32_t kPpiFlags = (0xf << 8) | DT_IRQ_TYPE_LEVEL_LOW;
constexpr uint32_t kGicPpi = 1;     ///< first cell of a PPI specifier
constexpr uint32_t kFirstPpi = 16;  ///< PPIs are INTIDs 16..31, numbered from 0 in specifiers

/// Writes nodes and properties; remembers the first libfdt error.
class Writer {
public:
    explicit Writer(std::vector<std::byte>& buf) : fdt_(buf.data()) {
        check(fdt_create(fdt_, static_cast<int>(buf.size())));
        check(fdt_finish_reservemap(fdt_));
    }

    void begin(const std::string& name) { check(fdt_begin_node(fdt_, name.c_str())); }
    void end() { check(fdt_end_node(fdt_)); }
    void u32(const char* name, uint32_t v) { check(fdt_property_u32(fdt_, name, v)); }
    void u64(const char* name, uint64_t v) { check(fdt_property_u64(fdt_, name, v)); }
    void str(const char* name, const std::string& v) {
        check(fdt_property_string(fdt_, name, v.c_str()));
    }
    void empty(const char* name) { check(fdt_property(fdt_, name, nullptr, 0)); }
    void bytes(const char* name, const void* data, size_t len) {
        check(fdt_property(fdt_, name, data, static_cast<int>(len)));
    }

    /// A string list property: "a\0b\0".
    void strings(const char* name, std::initializer_list<std::string> items) {
        std::string joined;
        for (const auto& s : items) joined.append(s).push_back('\0');
        bytes(name, joined.data(), joined.size());
    }

    /// A property of 32-bit cells, big-endian as the flattened format stores them.
    void cells(const char* name, std::initializer_list<uint32_t> values) {
        std::vector<fdt32_t> be;
        for (uint32_t v : values) be.push_back(cpu_to_fdt32(v));
        bytes(name, be.data(), be.size() * sizeof(fdt32_t));
    }

    /// A reg made of (64-bit address, 64-bit size) pairs.
    void reg(std::initializer_list<std::pair<uint64_t, uint64_t>> ranges) {
        std::vector<fdt64_t> be;
        for (auto [base, size] : ranges) {
            be.push_back(cpu_to_fdt64(base));
            be.push_back(cpu_to_fdt64(size));
        }
        bytes("reg", be.data(), be.size() * sizeof(fdt64_t));
    }

    void ppis(std::initializer_list<uint32_t> intids) {
        std::vector<fdt32_t> be;
        for (uint32_t intid : intids) {
            for (uint32_t cell : {kGicPpi, intid - kFirstPpi, kPpiFlags}) {
                be.push_back(cpu_to_fdt32(cell));
            }
        }
        bytes("interrupts", be.data(), be.size() * sizeof(fdt32_t));
        u32("interrupt-parent", GUEST_PHANDLE_GIC);
    }

    int finish() {
        check(fdt_finish(fdt_));
        return error_;
    }

private:
    void check(int r) {
        if (r < 0 && error_ == 0) error_ = r;
    }

    void* fdt_;
    int error_ = 0;
};

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
}

void write_tree(Writer& w, const GuestDtParams& p) {
    const std::string version =
        std::to_string(kXenVersionMajor) + "." + std::to_string(kXenVersionMinor);
    w.begin("");
    w.str("model", "XENVM-" + version);
    w.strings("compatible", {"xen,xenvm-" + version, "xen,xenvm"});
    w.u32("interrupt-parent", GUEST_PHANDLE_GIC);
    w.u32("#address-cells", GUEST_ROOT_ADDRESS_CELLS);
    w.u32("#size-cells", GUEST_ROOT_SIZE_CELLS);

    w.begin("chosen");
    if (p.bootargs) w.str("bootargs", *p.bootargs);
    if (p.ramdisk) {
        w.u64("linux,initrd-start", p.ramdisk->base);
        w.u64("linux,initrd-end", p.ramdisk->end());
    }
    if (!p.rng_seed.empty()) w.bytes("rng-seed", p.rng_seed.data(), p.rng_seed.size());
    w.end();

    w.begin("cpus");
    w.u32("#address-cells", 1);
    w.u32("#size-cells", 0);
    for (unsigned i = 0; i < p.nr_vcpus; ++i) {
        const uint64_t mpidr = guest_vcpu_mpidr(i);
        w.begin("cpu@" + hex(mpidr));
        w.str("device_type", "cpu");
        w.strings("compatible", {"arm,armv8"});
        w.str("enable-method", "psci");
        w.cells("reg", {static_cast<uint32_t>(mpidr)});
        w.end();
    }
    w.end();

    w.begin("psci");
    w.strings("compatible", {"arm,psci-1.0", "arm,psci-0.2", "arm,psci"});
    w.str("method", "hvc");
    w.u32("cpu_off", PSCI_cpu_off);
    w.u32("cpu_on", PSCI_cpu_on);
    w.end();

    const uint64_t bank_base[] = GUEST_RAM_BANK_BASES;
    const uint64_t bank_size[] = GUEST_RAM_BANK_SIZES;
    uint64_t left = p.ram_bytes;
    for (int i = 0; i < GUEST_RAM_BANKS && left > 0; ++i) {
        const uint64_t size = left < bank_size[i] ? left : bank_size[i];
        left -= size;
        w.begin("memory@" + hex(bank_base[i]));
        w.str("device_type", "memory");
        w.reg({{bank_base[i], size}});
        w.end();
    }

    w.begin("interrupt-controller@" + hex(GUEST_GICV3_GICD_BASE));
    w.strings("compatible", {"arm,gic-v3"});
    w.u32("#interrupt-cells", 3);
    w.u32("#address-cells", 0);
    w.empty("interrupt-controller");
    w.reg({{GUEST_GICV3_GICD_BASE, GUEST_GICV3_GICD_SIZE},
           {GUEST_GICV3_GICR0_BASE, p.nr_vcpus * kGicv3RedistributorStride}});
    w.u32("linux,phandle", GUEST_PHANDLE_GIC);
    w.u32("phandle", GUEST_PHANDLE_GIC);
    w.end();

    w.begin("timer");
    w.strings("compatible", {"arm,armv8-timer"});
    w.ppis({GUEST_TIMER_PHYS_S_PPI, GUEST_TIMER_PHYS_NS_PPI, GUEST_TIMER_VIRT_PPI});
    w.end();

    w.begin("hypervisor");
    w.strings("compatible", {"xen,xen-" + version, "xen,xen"});
    w.reg({{GUEST_GNTTAB_BASE, GUEST_GNTTAB_SIZE}});
    w.ppis({GUEST_EVTCHN_PPI});
    w.end();

    w.end();
}

}  // namespace

uint64_t guest_vcpu_mpidr(unsigned vcpu) {
    return (vcpu & 0x0f) | (((vcpu >> 4) & 0xff) << 8);
}

Result<std::vector<std::byte>> build_guest_dt(const GuestDtParams& params) {
    if (params.nr_vcpus == 0 || params.nr_vcpus > GUEST_MAX_VCPUS) {
        return fail("device tree: " + std::to_string(params.nr_vcpus) + " vCPUs is out of range");
    }
    if (params.ram_bytes == 0 || params.ram_bytes > GUEST_RAM_MAX) {
        return fail("device tree: guest RAM of " + std::to_string(params.ram_bytes) +
                    " bytes is out of range");
    }
    for (size_t size = 4096; size <= kMaxDtbSize; size *= 2) {
        std::vector<std::byte> buf(size);
        Writer w(buf);
        write_tree(w, params);
        const int err = w.finish();
        if (err == -FDT_ERR_NOSPACE) continue;
        if (err < 0) return fail(std::string("device tree: libfdt: ") + fdt_strerror(err));
        buf.resize(fdt_totalsize(buf.data()));
        return buf;
    }
    return fail("device tree: larger than 2 MiB");
}

}  // namespace tessera::toolstack
