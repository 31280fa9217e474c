// aarch64 per-vCPU state embedded in core's Vcpu (ARCHITECTURE.md pattern 10).
#pragma once

#include <cstddef>

#include "hv/types.h"

namespace hv::arch {

/// Guest registers, saved by the exception vectors straight into the running vCPU's copy on
/// every exit (layout shared with vectors.S; 16-aligned because EL2's stack pointer points at
/// it while a guest runs).
struct alignas(16) GuestRegs {
    u64 x[31];
    u64 pc;      ///< ELR_EL2
    u64 pstate;  ///< SPSR_EL2
    u64 pad;
};
static_assert(offsetof(GuestRegs, pc) == 248);
static_assert(sizeof(GuestRegs) == 272);

/// EL1 system registers and timer state, saved when a vCPU is switched out.
struct El1State {
    u64 sctlr, ttbr0, ttbr1, tcr, mair, amair, contextidr, tpidr_el0, tpidrro_el0, tpidr_el1;
    u64 vbar, elr, spsr, sp_el0, sp_el1, esr, far, afsr0, afsr1, par, cpacr, cntkctl, csselr;
    u64 mdscr;
    u64 cntv_ctl, cntv_cval;
};

/// FP/SIMD state (Arm ARM B1.2.2): 32 128-bit registers, FPSR and FPCR.
struct FpState {
    alignas(16) u64 q[64];
    u64 fpsr, fpcr;
};

/// vGIC CPU-interface state of a vCPU that is not loaded.
struct GicCpuState {
    u64 vmcr = 0;
    u64 apr0 = 0, apr1 = 0;
};

struct ArchVcpu {
    GuestRegs regs{};
    El1State el1{};
    FpState fp{};
    GicCpuState gic{};
    u64 vmpidr = 0;
};

struct ArchDomain {
    u64 cntvoff = 0;  ///< CNTVOFF_EL2 for this domain's vCPUs
};

}  // namespace hv::arch
