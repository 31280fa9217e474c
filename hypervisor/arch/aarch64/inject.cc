// Exception injection into EL1 (Arm ARM D1.10.2 vector offsets, D19.2.36 ESR_EL1).
#include "inject.h"

#include "hv/domain.h"
#include "sysreg.h"

namespace hv::aarch64 {
namespace {

constexpr u64 kModeMask = 0xf;
constexpr u64 kEl0t = 0x0;
constexpr u64 kEl1h = 0x5;
constexpr u64 kDaif = 0x3c0;

/// Delivers a synchronous exception with syndrome `esr` (and fault address `far`) to EL1.
void inject(Vcpu& v, u64 esr, u64 far) {
    auto& r = v.arch.regs;
    u64 mode = r.pstate & kModeMask;
    u64 vbar = HV_READ_SYSREG(vbar_el1);
    // Current EL with SP_ELx: +0x200; from EL0 (lower EL, AArch64): +0x400.
    u64 offset = mode == kEl0t ? 0x400 : (mode == kEl1h ? 0x200 : 0x000);
    HV_WRITE_SYSREG(elr_el1, r.pc);
    HV_WRITE_SYSREG(spsr_el1, r.pstate);
    HV_WRITE_SYSREG(esr_el1, esr);
    HV_WRITE_SYSREG(far_el1, far);
    r.pc = vbar + offset;
    r.pstate = kDaif | kEl1h;
}

constexpr u64 kIl = u64{1} << 25;

}  // namespace

void inject_undef(Vcpu& v) { inject(v, kIl, 0); }

void inject_data_abort(Vcpu& v, u64 va) {
    bool from_el0 = (v.arch.regs.pstate & kModeMask) == kEl0t;
    u64 ec = from_el0 ? 0x24 : 0x25;
    inject(v, (ec << 26) | kIl | 0x10, va);  // DFSC 0x10: synchronous external abort
}

void inject_inst_abort(Vcpu& v, u64 va) {
    bool from_el0 = (v.arch.regs.pstate & kModeMask) == kEl0t;
    u64 ec = from_el0 ? 0x20 : 0x21;
    inject(v, (ec << 26) | kIl | 0x10, va);
}

}  // namespace hv::aarch64
