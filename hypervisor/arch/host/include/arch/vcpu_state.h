// The fake arch's per-vCPU state: the same register names as aarch64, no hardware behind them.
#pragma once

#include "hv/types.h"

namespace hv::arch {

struct GuestRegs {
    u64 x[31];
    u64 pc;
    u64 pstate;
};

struct ArchVcpu {
    GuestRegs regs{};
    u64 vmpidr = 0;
};

struct ArchDomain {
    u64 cntvoff = 0;
};

}  // namespace hv::arch
