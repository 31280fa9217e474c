// The contract between core vCPU code and the architecture: register access for hypercalls
// and PSCI, and running a vCPU.
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
}

namespace hv::arch {

/// General-purpose register `n` (0..30) of a vCPU as of its last exit.
u64 reg(const Vcpu& v, unsigned n);
void set_reg(Vcpu& v, unsigned n, u64 value);

/// Puts a vCPU in the architectural reset state for entry at `pc` with x0 = `arg`
/// (the arm64 boot protocol: EL1h, MMU off, interrupts masked).
void reset_vcpu(Vcpu& v, u64 pc, u64 arg);

}  // namespace hv::arch
