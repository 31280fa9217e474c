// First C++ code on the boot CPU: EL2 set-up, then the arch-neutral boot.
#include "hv/boot.h"
#include "platform/pl011.h"
#include "sysreg.h"

namespace hv::aarch64 {
void early_mmu_enable();
}

extern "C" char hv_el2_vectors[];

extern "C" [[noreturn]] void aarch64_boot_main(hv::u64 dtb_pa) {
    using namespace hv;
    aarch64::early_mmu_enable();
    // CPTR_EL2 (Arm ARM D19.2.31): RES1 bits 13:12 and 9:0; TFP (bit 10) clear so that FP/SIMD
    // does not trap (libfdt is built with SIMD enabled).
    HV_WRITE_SYSREG(cptr_el2, 0x33ff);
    HV_WRITE_SYSREG(vbar_el2, reinterpret_cast<u64>(hv_el2_vectors));
    aarch64::isb();
    platform::pl011_console_init(platform::kEarlyUartBase);
    boot(reinterpret_cast<const void*>(dtb_pa));
}
