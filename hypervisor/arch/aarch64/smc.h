// Calls to the firmware over SMC (SMC Calling Convention, Arm DEN0028).
#pragma once

#include "hv/types.h"

namespace hv::aarch64 {

/// Issues SMC #0 with function id `fid` and up to three arguments; returns x0.
u64 smc_call(u64 fid, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0);

}  // namespace hv::aarch64
