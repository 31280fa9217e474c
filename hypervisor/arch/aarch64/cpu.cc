// Per-pCPU access (TPIDR_EL2 holds this pCPU's PerCpu) and guest address translation.
#include "hv/domain.h"
#include "hv/guest_access.h"
#include "hv/percpu.h"
#include "sysreg.h"

namespace hv {

PerCpu& this_cpu() { return *reinterpret_cast<PerCpu*>(HV_READ_SYSREG(tpidr_el2)); }

}  // namespace hv

namespace hv::arch {

bool translate_gva(Vcpu&, GVAddr va, bool write, IPAddr& out) {
    // AT S1E1R/W: stage-1 walk of the loaded EL1&0 regime (PAN ignored); PAR_EL1 gives the IPA
    // (Arm ARM C5.5.x, D19.2.96). The guest's PAR_EL1 is preserved.
    u64 saved = HV_READ_SYSREG(par_el1);
    if (write) {
        asm volatile("at s1e1w, %0" ::"r"(va.raw()));
    } else {
        asm volatile("at s1e1r, %0" ::"r"(va.raw()));
    }
    aarch64::isb();
    u64 par = HV_READ_SYSREG(par_el1);
    HV_WRITE_SYSREG(par_el1, saved);
    if ((par & 1) != 0) return false;  // F: the walk faulted
    out = IPAddr((par & 0x0000fffffffff000ull) | (va.raw() & 0xfff));
    return true;
}

}  // namespace hv::arch
