// Bringing up virtualisation on this machine and running guests.
#pragma once

#include "hv/boot_info.h"

namespace hv {
struct Domain;
}

namespace hv::arch {

/// The physical range the hypervisor image occupies (text, data, bss, boot stack).
PRange image_range();

/// Sets up the GIC, timers and trapping on the boot pCPU; false (after printing why) if the
/// platform cannot be used.
bool init_virtualization(const BootInfo& info, const void* fdt, bool trap_wfx);

/// Starts the other pCPUs the DT lists (PSCI CPU_ON); returns how many pCPUs are online.
u32 start_secondary_cpus(const BootInfo& info);

/// Routes the physical SPI `intid` to domain `d` (hardware-linked virtual interrupt).
void route_irq_to_domain(u32 intid, Domain& d);

/// The SPI number of the hypervisor's UART (0 if unknown): never given to a domain.
u32 uart_irq();

/// SPIs the physical distributor implements (at most 960).
u32 host_spis();

/// Cleans `len` bytes at `p` to the point of coherency (images loaded for a guest whose MMU
/// and caches are still off).
void clean_dcache(const void* p, usize len);

/// Starts scheduling on this pCPU. Never returns.
[[noreturn]] void run();

}  // namespace hv::arch
