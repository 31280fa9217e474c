// vCPU register access, reset, and switching EL1 state between vCPUs on a pCPU.
#include "hv/arch/sched.h"
#include "hv/arch/vcpu.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/vgic.h"
#include "sysreg.h"

extern "C" void aarch64_fp_save(hv::arch::FpState* s);
extern "C" void aarch64_fp_restore(const hv::arch::FpState* s);

namespace hv::arch {

static_assert(offsetof(FpState, fpsr) == 512);

u64 reg(const Vcpu& v, unsigned n) { return n < 31 ? v.arch.regs.x[n] : 0; }
void set_reg(Vcpu& v, unsigned n, u64 value) {
    if (n < 31) v.arch.regs.x[n] = value;  // n == 31 is XZR for data accesses: discard
}

void reset_vcpu(Vcpu& v, u64 pc, u64 arg) {
    v.arch.regs = GuestRegs{};
    v.arch.regs.x[0] = arg;
    v.arch.regs.pc = pc;
    v.arch.regs.pstate = 0x3c5;  // EL1h, D, A, I, F masked (Linux booting.rst)
    v.arch.el1 = El1State{};
    v.arch.el1.sctlr = 0x30D00800;  // RES1 bits only: MMU and caches off (Arm ARM D19.2.118)
    v.arch.fp = FpState{};
    v.arch.gic = GicCpuState{};
    v.arch.gic.vmcr = (0xffu << 24) | 0x2;  // VPMR all open, VENG1 set (ICH_VMCR_EL2 layout)
}

namespace {

void save_el1(Vcpu& v) {
    El1State& s = v.arch.el1;
    s.sctlr = HV_READ_SYSREG(sctlr_el1);
    s.ttbr0 = HV_READ_SYSREG(ttbr0_el1);
    s.ttbr1 = HV_READ_SYSREG(ttbr1_el1);
    s.tcr = HV_READ_SYSREG(tcr_el1);
    s.mair = HV_READ_SYSREG(mair_el1);
    s.amair = HV_READ_SYSREG(amair_el1);
    s.contextidr = HV_READ_SYSREG(contextidr_el1);
    s.tpidr_el0 = HV_READ_SYSREG(tpidr_el0);
    s.tpidrro_el0 = HV_READ_SYSREG(tpidrro_el0);
    s.tpidr_el1 = HV_READ_SYSREG(tpidr_el1);
    s.vbar = HV_READ_SYSREG(vbar_el1);
    s.elr = HV_READ_SYSREG(elr_el1);
    s.spsr = HV_READ_SYSREG(spsr_el1);
    s.sp_el0 = HV_READ_SYSREG(sp_el0);
    s.sp_el1 = HV_READ_SYSREG(sp_el1);
    s.esr = HV_READ_SYSREG(esr_el1);
    s.far = HV_READ_SYSREG(far_el1);
    s.afsr0 = HV_READ_SYSREG(afsr0_el1);
    s.afsr1 = HV_READ_SYSREG(afsr1_el1);
    s.par = HV_READ_SYSREG(par_el1);
    s.cpacr = HV_READ_SYSREG(cpacr_el1);
    s.cntkctl = HV_READ_SYSREG(cntkctl_el1);
    s.csselr = HV_READ_SYSREG(csselr_el1);
    s.mdscr = HV_READ_SYSREG(mdscr_el1);
    s.cntv_ctl = HV_READ_SYSREG(cntv_ctl_el0);
    s.cntv_cval = HV_READ_SYSREG(cntv_cval_el0);
    HV_WRITE_SYSREG(cntv_ctl_el0, 0);  // its timer must not fire while another vCPU runs
    v.arch.gic.vmcr = HV_READ_SYSREG(S3_4_C12_C11_7);   // ICH_VMCR_EL2
    v.arch.gic.apr0 = HV_READ_SYSREG(S3_4_C12_C8_0);    // ICH_AP0R0_EL2
    v.arch.gic.apr1 = HV_READ_SYSREG(S3_4_C12_C9_0);    // ICH_AP1R0_EL2
    aarch64_fp_save(&v.arch.fp);
}

void restore_el1(const Vcpu& v) {
    const El1State& s = v.arch.el1;
    HV_WRITE_SYSREG(sctlr_el1, s.sctlr);
    HV_WRITE_SYSREG(ttbr0_el1, s.ttbr0);
    HV_WRITE_SYSREG(ttbr1_el1, s.ttbr1);
    HV_WRITE_SYSREG(tcr_el1, s.tcr);
    HV_WRITE_SYSREG(mair_el1, s.mair);
    HV_WRITE_SYSREG(amair_el1, s.amair);
    HV_WRITE_SYSREG(contextidr_el1, s.contextidr);
    HV_WRITE_SYSREG(tpidr_el0, s.tpidr_el0);
    HV_WRITE_SYSREG(tpidrro_el0, s.tpidrro_el0);
    HV_WRITE_SYSREG(tpidr_el1, s.tpidr_el1);
    HV_WRITE_SYSREG(vbar_el1, s.vbar);
    HV_WRITE_SYSREG(elr_el1, s.elr);
    HV_WRITE_SYSREG(spsr_el1, s.spsr);
    HV_WRITE_SYSREG(sp_el0, s.sp_el0);
    HV_WRITE_SYSREG(sp_el1, s.sp_el1);
    HV_WRITE_SYSREG(esr_el1, s.esr);
    HV_WRITE_SYSREG(far_el1, s.far);
    HV_WRITE_SYSREG(afsr0_el1, s.afsr0);
    HV_WRITE_SYSREG(afsr1_el1, s.afsr1);
    HV_WRITE_SYSREG(par_el1, s.par);
    HV_WRITE_SYSREG(cpacr_el1, s.cpacr);
    HV_WRITE_SYSREG(cntkctl_el1, s.cntkctl);
    HV_WRITE_SYSREG(csselr_el1, s.csselr);
    HV_WRITE_SYSREG(mdscr_el1, s.mdscr);
    HV_WRITE_SYSREG(cntvoff_el2, v.domain->arch.cntvoff);
    HV_WRITE_SYSREG(cntv_cval_el0, s.cntv_cval);
    HV_WRITE_SYSREG(cntv_ctl_el0, s.cntv_ctl);
    HV_WRITE_SYSREG(S3_4_C12_C11_7, v.arch.gic.vmcr);
    HV_WRITE_SYSREG(S3_4_C12_C8_0, v.arch.gic.apr0);
    HV_WRITE_SYSREG(S3_4_C12_C9_0, v.arch.gic.apr1);
    HV_WRITE_SYSREG(vmpidr_el2, v.arch.vmpidr | (u64{1} << 31));
    HV_WRITE_SYSREG(vttbr_el2, v.domain->p2m.root().raw() | (u64{v.domain->p2m.vmid()} << 48));
    aarch64_fp_restore(&v.arch.fp);
    aarch64::isb();
}

}  // namespace

void save_vcpu(Vcpu& v) { save_el1(v); }

void switch_vcpu(Vcpu* from, Vcpu& to) {
    if (from != nullptr) save_el1(*from);
    restore_el1(to);  // TLB entries are tagged by VMID: nothing to flush between domains
}

void fire_saved_timer(Vcpu& v) {
    v.arch.el1.cntv_ctl |= 2;  // IMASK, as the live path does; the guest unmasks on re-arm
    vgic::inject(v, 27);
}

u64 counter() { return HV_READ_SYSREG(cntpct_el0); }
u64 counter_hz() { return HV_READ_SYSREG(cntfrq_el0); }

void set_sched_timer(u64 deadline) {
    if (deadline == 0) {
        HV_WRITE_SYSREG(cnthp_ctl_el2, 0);
    } else {
        HV_WRITE_SYSREG(cnthp_cval_el2, deadline);
        HV_WRITE_SYSREG(cnthp_ctl_el2, 1);  // ENABLE, not masked (Arm ARM D19.12.6)
    }
    aarch64::isb();
}

u64 saved_timer_deadline(const Vcpu& v) {
    u64 ctl = v.arch.el1.cntv_ctl;
    if ((ctl & 1) == 0 || (ctl & 2) != 0) return 0;  // disabled or masked
    u64 dl = v.arch.el1.cntv_cval + v.domain->arch.cntvoff;
    return dl == 0 ? 1 : dl;
}

}  // namespace hv::arch
