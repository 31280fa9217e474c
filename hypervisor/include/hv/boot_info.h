// What the hypervisor learns from the host device tree at boot (Xen's DT boot protocol:
// docs/misc/arm/device-tree/booting.txt; modules under /chosen as QEMU's guest-loader or U-Boot
// create them).
#pragma once

#include "hv/addr.h"

namespace hv {

enum class ModuleKind : u8 { kKernel, kRamdisk, kOther };

/// One boot module found under /chosen (compatible "multiboot,kernel", "multiboot,ramdisk", ...).
struct BootModule {
    ModuleKind kind = ModuleKind::kOther;
    PRange range;
    const char* bootargs = nullptr;  ///< points into the DTB; nullptr when absent
};

/// The host platform as the DTB describes it.
struct BootInfo {
    static constexpr usize kMaxBanks = 8;
    static constexpr usize kMaxCpus = 16;
    static constexpr usize kMaxModules = 8;

    PRange banks[kMaxBanks];
    usize nr_banks = 0;
    u64 cpu_mpidr[kMaxCpus] = {};  ///< MPIDR affinity ("reg" of each /cpus/cpu node)
    usize nr_cpus = 0;
    BootModule modules[kMaxModules];
    usize nr_modules = 0;
    const char* cmdline = "";      ///< hypervisor options: /chosen/xen,xen-bootargs or bootargs
    PRange uart;                   ///< the PL011 named by /chosen/stdout-path (size 0 if none)
    PRange gicd;                   ///< GICv3 distributor
    PRange gicr;                   ///< first GICv3 redistributor region
    bool psci_smc = false;         ///< /psci method is "smc" (else "hvc")
    u32 dtb_size = 0;

    /// The first module of `kind`, or nullptr.
    const BootModule* module(ModuleKind kind) const {
        for (usize i = 0; i < nr_modules; ++i)
            if (modules[i].kind == kind) return &modules[i];
        return nullptr;
    }
    u64 total_ram() const {
        u64 t = 0;
        for (usize i = 0; i < nr_banks; ++i) t += banks[i].size;
        return t;
    }
};

enum class DtError : u8 {
    kOk,
    kBadHeader,      ///< not a flattened device tree, or a corrupt one
    kNoMemory,       ///< no usable /memory node
    kNoCpus,         ///< no /cpus/cpu node
    kTooMany,        ///< more banks, CPUs or modules than BootInfo holds
    kBadReg,         ///< a reg property of the wrong size
    kNoGic,          ///< no arm,gic-v3 interrupt controller
};

/// A short human-readable description of `e`.
const char* dt_error_text(DtError e);

/// Parses the host DTB at `fdt` into `out`. On error `out` is partially filled and must not be used.
DtError parse_host_dt(const void* fdt, BootInfo& out);

}  // namespace hv
