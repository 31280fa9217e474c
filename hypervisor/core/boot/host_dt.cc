// Parsing the host device tree into BootInfo with libfdt.
#include <libfdt.h>

#include "hv/boot_info.h"

namespace hv {
namespace {

/// The arm64 boot protocol caps the DTB at 2 MiB (Linux Documentation/arm64/booting.rst); a
/// header claiming more is corrupt, and checking it first keeps the full check in bounds.
constexpr u32 kMaxDtbSize = 2u << 20;

u64 read_cells(const fdt32_t* cells, int n) {
    u64 v = 0;
    for (int i = 0; i < n; ++i) v = (v << 32) | fdt32_to_cpu(cells[i]);
    return v;
}

/// The value of `prop` ("#address-cells" or "#size-cells") governing children of `node`: like
/// Linux (of_n_addr_cells) and Xen, the nearest ancestor-or-self that has it, else `dflt` (DT
/// spec 2.3.5). QEMU's guest-loader puts 2/2-cell modules under a /chosen that has neither.
int inherited_cells(const void* fdt, int node, const char* prop, int dflt) {
    for (int n = node; n >= 0; n = fdt_parent_offset(fdt, n)) {
        int len = 0;
        auto* v = static_cast<const fdt32_t*>(fdt_getprop(fdt, n, prop, &len));
        if (v != nullptr && len == 4) return static_cast<int>(fdt32_to_cpu(*v));
    }
    return dflt;
}

/// Reads entry `index` of the "reg" of `node` into `out`; false if absent or malformed.
bool read_reg(const void* fdt, int node, int index, PRange& out, bool& malformed) {
    int parent = fdt_parent_offset(fdt, node);
    if (parent < 0) return false;
    int ac = inherited_cells(fdt, parent, "#address-cells", 2);
    int sc = inherited_cells(fdt, parent, "#size-cells", 1);
    if (ac < 1 || ac > 2 || sc < 0 || sc > 2) {
        malformed = true;
        return false;
    }
    int len = 0;
    auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
    if (reg == nullptr) return false;
    int entry_bytes = (ac + sc) * 4;
    if (len <= 0 || len % entry_bytes != 0) {
        malformed = true;
        return false;
    }
    if ((index + 1) * entry_bytes > len) return false;
    const fdt32_t* e = reg + index * (ac + sc);
    out.base = PAddr(read_cells(e, ac));
    out.size = read_cells(e + ac, sc);
    return true;
}

DtError parse_memory(const void* fdt, BootInfo& out) {
    bool bad = false;
    for (int node = fdt_next_node(fdt, -1, nullptr); node >= 0;
         node = fdt_next_node(fdt, node, nullptr)) {
        const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", nullptr));
        if (type == nullptr || __builtin_strcmp(type, "memory") != 0) continue;
        PRange r;
        for (int i = 0; read_reg(fdt, node, i, r, bad); ++i) {
            if (r.size == 0) continue;
            if (out.nr_banks == BootInfo::kMaxBanks) return DtError::kTooMany;
            out.banks[out.nr_banks++] = r;
        }
        if (bad) return DtError::kBadReg;
    }
    return out.nr_banks == 0 ? DtError::kNoMemory : DtError::kOk;
}

DtError parse_cpus(const void* fdt, BootInfo& out) {
    int cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) return DtError::kNoCpus;
    int ac = fdt_address_cells(fdt, cpus);
    if (ac < 1 || ac > 2) ac = 1;
    int node;
    fdt_for_each_subnode(node, fdt, cpus) {
        const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", nullptr));
        if (type == nullptr || __builtin_strcmp(type, "cpu") != 0) continue;
        int len = 0;
        auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
        if (reg == nullptr || len != ac * 4) return DtError::kBadReg;
        if (out.nr_cpus == BootInfo::kMaxCpus) return DtError::kTooMany;
        out.cpu_mpidr[out.nr_cpus++] = read_cells(reg, ac);
    }
    return out.nr_cpus == 0 ? DtError::kNoCpus : DtError::kOk;
}

DtError parse_chosen(const void* fdt, BootInfo& out) {
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0) return DtError::kOk;  // no modules, no options: reported by the caller
    static constexpr const char* kOptionProps[] = {"xen,xen-bootargs", "bootargs"};
    for (const char* name : kOptionProps) {
        if (auto* s = static_cast<const char*>(fdt_getprop(fdt, chosen, name, nullptr))) {
            out.cmdline = s;
            break;
        }
    }
    int node;
    fdt_for_each_subnode(node, fdt, chosen) {
        ModuleKind kind;
        if (fdt_node_check_compatible(fdt, node, "multiboot,kernel") == 0 ||
            fdt_node_check_compatible(fdt, node, "xen,linux-zimage") == 0) {
            kind = ModuleKind::kKernel;
        } else if (fdt_node_check_compatible(fdt, node, "multiboot,ramdisk") == 0 ||
                   fdt_node_check_compatible(fdt, node, "xen,linux-initrd") == 0) {
            kind = ModuleKind::kRamdisk;
        } else if (fdt_node_check_compatible(fdt, node, "multiboot,module") == 0) {
            kind = ModuleKind::kOther;
        } else {
            continue;
        }
        BootModule m;
        m.kind = kind;
        bool bad = false;
        if (!read_reg(fdt, node, 0, m.range, bad) || m.range.size == 0) return DtError::kBadReg;
        m.bootargs = static_cast<const char*>(fdt_getprop(fdt, node, "bootargs", nullptr));
        if (out.nr_modules == BootInfo::kMaxModules) return DtError::kTooMany;
        out.modules[out.nr_modules++] = m;
    }
    // The console UART: stdout-path may carry ":options" after the path.
    int len = 0;
    auto* path = static_cast<const char*>(fdt_getprop(fdt, chosen, "stdout-path", &len));
    if (path != nullptr && len > 0) {
        int n = 0;
        while (n < len && path[n] != '\0' && path[n] != ':') ++n;
        int uart = fdt_path_offset_namelen(fdt, path, n);
        bool bad = false;
        if (uart >= 0 && fdt_node_check_compatible(fdt, uart, "arm,pl011") == 0)
            read_reg(fdt, uart, 0, out.uart, bad);
    }
    return DtError::kOk;
}

DtError parse_gic_psci(const void* fdt, BootInfo& out) {
    int gic = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
    bool bad = false;
    if (gic < 0 || !read_reg(fdt, gic, 0, out.gicd, bad) || !read_reg(fdt, gic, 1, out.gicr, bad))
        return bad ? DtError::kBadReg : DtError::kNoGic;
    int psci = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
    if (psci >= 0) {
        auto* m = static_cast<const char*>(fdt_getprop(fdt, psci, "method", nullptr));
        out.psci_smc = m != nullptr && __builtin_strcmp(m, "smc") == 0;
    }
    return DtError::kOk;
}

}  // namespace

const char* dt_error_text(DtError e) {
    switch (e) {
        case DtError::kOk: return "ok";
        case DtError::kBadHeader: return "not a valid flattened device tree";
        case DtError::kNoMemory: return "no memory banks in the device tree";
        case DtError::kNoCpus: return "no CPUs in the device tree";
        case DtError::kTooMany: return "too many memory banks, CPUs or boot modules";
        case DtError::kBadReg: return "malformed reg property";
        case DtError::kNoGic: return "no GICv3 interrupt controller in the device tree";
    }
    return "unknown device tree error";
}

DtError parse_host_dt(const void* fdt, BootInfo& out) {
    out = BootInfo{};
    // fdt_check_full walks the whole structure block, so a truncated or scribbled tree is
    // refused here rather than misread later.
    if (fdt_magic(fdt) != FDT_MAGIC || fdt_totalsize(fdt) > kMaxDtbSize ||
        fdt_check_full(fdt, fdt_totalsize(fdt)) != 0)
        return DtError::kBadHeader;
    out.dtb_size = fdt_totalsize(fdt);
    using Step = DtError (*)(const void*, BootInfo&);
    static constexpr Step kSteps[] = {parse_memory, parse_cpus, parse_chosen, parse_gic_psci};
    for (Step step : kSteps) {
        if (DtError e = step(fdt, out); e != DtError::kOk) return e;
    }
    return DtError::kOk;
}

}  // namespace hv
