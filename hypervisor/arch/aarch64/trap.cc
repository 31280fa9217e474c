// Guest exits: save state, classify by exception class through one table, pick what runs next.
#include "esr.h"
#include "hv/arch/vcpu.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/hypercall.h"
#include "hv/mmio.h"
#include "hv/panic.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/spinlock.h"
#include "hv/xen_abi.h"
#include "inject.h"
#include "lr.h"
#include "irq.h"
#include "smccc.h"
#include "sysreg.h"

namespace hv::aarch64 {
namespace {

using Handler = void (*)(Vcpu&, Esr);

void skip_instruction(Vcpu& v, Esr esr) { v.arch.regs.pc += esr.il32() ? 4 : 2; }

void on_unknown(Vcpu& v, Esr) { inject_undef(v); }

void on_wfx(Vcpu& v, Esr esr) {
    skip_instruction(v, esr);
    if (esr.is_wfe()) {
        sched::yield(v);
    } else {
        sched::block(v);
    }
}

void on_hvc(Vcpu& v, Esr esr) {
    // ELR already points past HVC (an exception-generating instruction).
    if (esr.imm16() == XEN_HYPERCALL_TAG) {
        hypercall::dispatch(v);
    } else if (esr.imm16() == 0) {
        smccc::handle(v);
    } else {
        inject_undef(v);
    }
}

void on_smc(Vcpu& v, Esr esr) {
    skip_instruction(v, esr);  // a trapped SMC returns to itself (Arm ARM D1.10.1)
    smccc::handle(v);
}

void on_sysreg(Vcpu& v, Esr esr) {
    if (esr.sys_key() == kIccSgi1r && !esr.sys_read()) {
        lr::send_sgi(v, arch::reg(v, esr.sys_rt()));
    } else if (esr.sys_op0() == 3 && esr.sys_op1() == 3 && esr.sys_crn() == 14 &&
               esr.sys_crm() == 2) {
        // CNTP_TVAL/CTL/CVAL_EL0: the physical timer belongs to the hypervisor. Reads as 0,
        // writes ignored, like an absent timer (Linux on EL1 uses the virtual timer).
        if (esr.sys_read()) arch::set_reg(v, esr.sys_rt(), 0);
    } else {
        inject_undef(v);
        return;
    }
    skip_instruction(v, esr);
}

void on_data_abort(Vcpu& v, Esr esr) {
    u64 far = HV_READ_SYSREG(far_el2);
    u64 hpfar = HV_READ_SYSREG(hpfar_el2);
    IPAddr ipa(((hpfar >> 4) << kPageShift) | (far & (kPageSize - 1)));
    if (!esr.isv() || esr.s1ptw()) {
        inject_data_abort(v, far);
        return;
    }
    mmio::Access a;
    a.size = esr.access_size();
    a.write = esr.is_write();
    if (a.write) a.value = arch::reg(v, esr.srt()) & (a.size == 8 ? ~u64{0} : (u64{1} << (8 * a.size)) - 1);
    switch (v.domain->mmio.dispatch(v, ipa, a)) {
        case mmio::Result::kHandled:
            if (!a.write) {
                u64 val = a.value;
                if (esr.sign_extend() && a.size < 8) {
                    u64 sign = u64{1} << (8 * a.size - 1);
                    val = (val ^ sign) - sign;
                }
                if (!esr.sixty_four()) val &= 0xffffffff;
                arch::set_reg(v, esr.srt(), val);
            }
            skip_instruction(v, esr);
            return;
        case mmio::Result::kRetry: return;
        case mmio::Result::kUnhandled:
            console::info("(tessera) d%uv%u: %s of %u bytes at unmapped 0x%llx (pc 0x%llx)\n",
                           v.domain->id, v.id, a.write ? "write" : "read", a.size,
                           static_cast<unsigned long long>(ipa.raw()),
                           static_cast<unsigned long long>(v.arch.regs.pc));
            inject_data_abort(v, far);
            return;
    }
}

void on_inst_abort(Vcpu& v, Esr) { inject_inst_abort(v, HV_READ_SYSREG(far_el2)); }

/// Exception classes to handlers (ARCHITECTURE.md pattern 5): anything not listed is an
/// undefined instruction for the guest.
constexpr auto kTable = [] {
    struct T {
        Handler h[64];
    } t{};
    for (auto& h : t.h) h = on_unknown;
    t.h[static_cast<u8>(Ec::kWfx)] = on_wfx;
    t.h[static_cast<u8>(Ec::kHvc64)] = on_hvc;
    t.h[static_cast<u8>(Ec::kSmc64)] = on_smc;
    t.h[static_cast<u8>(Ec::kSysReg)] = on_sysreg;
    t.h[static_cast<u8>(Ec::kInstAbortLower)] = on_inst_abort;
    t.h[static_cast<u8>(Ec::kDataAbortLower)] = on_data_abort;
    return t;
}();

}  // namespace
}  // namespace hv::aarch64

/// Called by vectors.S for every exit from a guest: `kind` 0 sync, 1 IRQ, 2 FIQ, 3 SError.
extern "C" hv::arch::GuestRegs* aarch64_guest_exit(hv::arch::GuestRegs* frame, hv::u64 kind) {
    using namespace hv;
    static_assert(offsetof(PerCpu, stack_top) == 0, "vectors.S loads PerCpu::stack_top at 0");
    g_big_lock.lock();
    PerCpu& c = this_cpu();
    Vcpu& v = *c.current;
    if (frame != &v.arch.regs)  // a hypervisor bug (the stack pointer lost track), not a guest's
        panic("guest exit frame %p is not d%uv%u's registers", static_cast<void*>(frame),
              v.domain->id, v.id);
    aarch64::lr::save(v);
    if (kind == 0) {
        aarch64::Esr esr(HV_READ_SYSREG(esr_el2));
        ++c.exits_sync[esr.ec()];
        aarch64::kTable.h[esr.ec()](v, esr);
    } else if (kind == 1) {
        ++c.exits_irq;
        aarch64::irq::handle_pending();
    } else if (kind == 3) {
        console::print("(tessera) d%uv%u: SError from the guest; crashing the domain\n",
                       v.domain->id, v.id);
        shutdown_domain(*v.domain, SHUTDOWN_crash);
    }
    Vcpu& next = sched::schedule();
    aarch64::lr::load(next);
    g_big_lock.unlock();
    return &next.arch.regs;
}
