// Building dom0 from the boot modules: its 1:1 RAM, its device tree, the kernel entry.
#pragma once

#include "hv/boot_info.h"
#include "hv/options.h"

namespace hv {

struct Domain;

/// Where dom0's pieces go (all host-physical = guest-physical: dom0 is direct-mapped).
struct Dom0Layout {
    PRange ram;                 ///< dom0's RAM bank
    PAddr kernel;               ///< where the Image is copied (its entry point)
    u64 kernel_size = 0;        ///< bytes of the Image file
    PAddr dtb;                  ///< where dom0's DTB is written
    u64 dtb_max = 0;            ///< room reserved for it
    PAddr initrd;
    u64 initrd_size = 0;
    PRange gnttab_window;       ///< /hypervisor reg[0]: never RAM nor MMIO
    u32 nr_vcpus = 1;
};

/// The grant frames dom0 may map (the window holds them all).
inline constexpr u32 kDom0GrantFrames = 64;

/// Plans dom0's layout inside host RAM, avoiding the `reserved` ranges. False (after printing
/// why) when dom0_mem does not fit or the kernel is not an arm64 Image.
bool plan_dom0(const BootInfo& info, const Options& opts, const PRange* reserved, usize nr_reserved,
               u32 nr_pcpus, Dom0Layout& out);

/// Writes dom0's device tree into `buf` from the host's (XEN-ABI.md §2.7). Returns 0 or a
/// negative libfdt error.
int build_dom0_dt(const void* host_fdt, void* buf, usize size, const BootInfo& info,
                  const Dom0Layout& layout, const char* bootargs);

/// Creates dom0 (domain 0, privileged, direct-mapped) as planned and readies vCPU 0.
/// Returns nullptr after printing why.
Domain* create_dom0(const BootInfo& info, const void* host_fdt, const Dom0Layout& layout);

}  // namespace hv
