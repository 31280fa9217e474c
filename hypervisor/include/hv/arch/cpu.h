// The contract every architecture implements for core code: CPU-level operations.
#pragma once

#include "hv/types.h"

namespace hv::arch {

/// Powers the machine off (PSCI SYSTEM_OFF on aarch64). Never returns.
[[noreturn]] void power_off();

/// Resets the machine (PSCI SYSTEM_RESET on aarch64). Never returns.
[[noreturn]] void reset();

/// Stops this CPU for good with interrupts masked. Never returns.
[[noreturn]] void halt();

}  // namespace hv::arch
