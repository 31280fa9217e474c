// XEN_DOMCTL_setvcpucontext/getvcpucontext: the toolstack's view of a vCPU (arch-arm.h
// vcpu_guest_context) to and from our saved state.
#include "hv/arch/vcpu.h"
#include "hv/domain.h"
#include "hv/xen_abi.h"

namespace hv::arch {
namespace {
constexpr u64 kSctlrReset = 0x30D00800;  // RES1 bits only: MMU and caches off (as reset_vcpu)
}

void load_context(Vcpu& v, const vcpu_guest_context& ctx) {
    const vcpu_guest_core_regs& r = ctx.user_regs;
    reset_vcpu(v, r.pc64, r.x0);
    const u64* x = &r.x0;  // x0..x30 are consecutive 64-bit fields
    for (unsigned i = 0; i < 31; ++i) v.arch.regs.x[i] = x[i];
    v.arch.regs.pstate = r.cpsr;
    El1State& s = v.arch.el1;
    s.sctlr = ctx.sctlr != 0 ? ctx.sctlr : kSctlrReset;
    s.tcr = ctx.ttbcr;
    s.ttbr0 = ctx.ttbr0;
    s.ttbr1 = ctx.ttbr1;
    s.sp_el0 = r.sp_el0;
    s.sp_el1 = r.sp_el1;
    s.elr = r.elr_el1;
    s.spsr = r.spsr_el1;
}

void store_context(const Vcpu& v, vcpu_guest_context& ctx) {
    ctx = vcpu_guest_context{};
    vcpu_guest_core_regs& r = ctx.user_regs;
    u64* x = &r.x0;
    for (unsigned i = 0; i < 31; ++i) x[i] = v.arch.regs.x[i];
    r.pc64 = v.arch.regs.pc;
    r.cpsr = v.arch.regs.pstate;
    const El1State& s = v.arch.el1;
    r.sp_el0 = s.sp_el0;
    r.sp_el1 = s.sp_el1;
    r.elr_el1 = s.elr;
    r.spsr_el1 = s.spsr;
    ctx.sctlr = s.sctlr;
    ctx.ttbcr = s.tcr;
    ctx.ttbr0 = s.ttbr0;
    ctx.ttbr1 = s.ttbr1;
    if (v.state != VcpuState::kOffline) ctx.flags |= VGCF_online;
}

}  // namespace hv::arch
