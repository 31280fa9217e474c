// The contract between core vCPU code and the architecture: register access for hypercalls
// and PSCI, and running a vCPU.
#pragma once

#include "hv/types.h"

struct vcpu_guest_context;  // xen/arch-arm.h

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

/// Loads a toolstack's vcpu_guest_context (XEN_DOMCTL_setvcpucontext, already validated) into
/// a vCPU that is not loaded on any pCPU.
void load_context(Vcpu& v, const vcpu_guest_context& ctx);
/// The vCPU's state as a vcpu_guest_context (XEN_DOMCTL_getvcpucontext).
void store_context(const Vcpu& v, vcpu_guest_context& ctx);

}  // namespace hv::arch
