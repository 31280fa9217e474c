// GICv3 distributor and redistributor register emulation (Arm IHI 0069, chapter 12), driven by
// tables of register ranges over the state in hv/vgic.h.
#pragma once

#include "hv/mmio.h"

namespace hv {
struct Domain;
}

namespace hv::vgic {

inline constexpr u64 kGicdSize = 0x10000;
inline constexpr u64 kGicrStride = 0x20000;  ///< RD_base + SGI_base frames per redistributor

/// Registers the distributor at `gicd` and redistributors for every vCPU at `gicr` on `d`'s
/// MMIO bus, with `nr_spis` SPIs (rounded up to a multiple of 32, at most 960).
bool attach(Domain& d, IPAddr gicd, IPAddr gicr, u32 nr_spis);

/// Hook for hardware-backed SPIs: the arch enables or disables the physical interrupt when the
/// guest does so for its virtual one. Set by the arch at boot; null in host tests.
extern void (*g_hw_enable_hook)(u32 hw_intid, bool enable);

}  // namespace hv::vgic
