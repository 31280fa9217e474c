// Domain life-cycle operations shared by hypercalls, PSCI and the toolstack interface.
#pragma once

#include "hv/types.h"

namespace hv {
struct Domain;

/// Shuts `d` down for `reason` (SHUTDOWN_poweroff/reboot/crash...). For dom0 this ends the
/// machine: power off, or reset for reboot.
void shutdown_domain(Domain& d, u32 reason);

/// The wallclock dom0 gave (XENPF_settime64): UTC seconds and nanoseconds at counter zero.
void set_wallclock(u64 sec, u32 nsec, u64 system_time_ns);

}  // namespace hv
