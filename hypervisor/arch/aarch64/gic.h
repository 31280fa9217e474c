// The physical GICv3 (Arm IHI 0069): distributor, this pCPU's redistributor, the EL2 CPU
// interface, and the list registers of the virtual CPU interface.
#pragma once

#include "hv/addr.h"

namespace hv::aarch64::gic {

/// Interrupts the hypervisor owns (GICv3 §2.2; QEMU virt and Arm's SBSA numbering).
inline constexpr u32 kMaintenancePpi = 25;
inline constexpr u32 kHypTimerPpi = 26;    ///< CNTHP, the scheduler's tick
inline constexpr u32 kVirtTimerPpi = 27;   ///< CNTV, forwarded to the running vCPU
inline constexpr u32 kKickSgi = 0;         ///< "look at your run queue" between pCPUs
inline constexpr u32 kSpurious = 1023;

/// Initialises the distributor (boot CPU) given its base and the redistributor region.
void init_distributor(PAddr gicd, PAddr gicr);
/// Initialises this pCPU's redistributor and EL2 CPU interface.
void init_cpu();

/// Acknowledges the highest-priority pending interrupt (1023 if none).
u32 ack();
/// Priority drop (EOImode 1) and, unless `guest_deactivates`, deactivation.
void eoi(u32 intid, bool guest_deactivates);

void enable_spi(u32 intid, bool enable);
void route_spi(u32 intid, u64 mpidr);
void set_spi_level(u32 intid, bool level);
/// Sends SGI `sgi` to the pCPU with affinity `mpidr`.
void send_sgi(u32 sgi, u64 mpidr);
/// Number of SPIs the distributor implements.
u32 nr_spis();

/// List registers (ICH_LR<n>_EL2, GICv3 §12.4.6).
u32 nr_lrs();
u64 read_lr(u32 n);
void write_lr(u32 n, u64 value);

}  // namespace hv::aarch64::gic
