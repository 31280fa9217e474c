// PSCI calls from EL2 to the firmware: always over SMC (PSCI 1.1, DEN0022D §5.2; HVC from EL2
// would trap to ourselves).
#include "hv/arch/cpu.h"
#include "smc.h"

namespace hv::aarch64 {

/// PSCI function ids (DEN0022D §5.1).
constexpr u64 kPsciSystemOff = 0x84000008;
constexpr u64 kPsciSystemReset = 0x84000009;

u64 smc_call(u64 fid, u64 a1, u64 a2, u64 a3) {
    register u64 x0 asm("x0") = fid;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = a2;
    register u64 x3 asm("x3") = a3;
    asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
    return x0;
}

}  // namespace hv::aarch64

namespace hv::arch {

void power_off() {
    aarch64::smc_call(aarch64::kPsciSystemOff);
    halt();  // SYSTEM_OFF does not return on success
}

void reset() {
    aarch64::smc_call(aarch64::kPsciSystemReset);
    halt();
}

void halt() {
    asm volatile("msr daifset, #0xf");
    for (;;) asm volatile("wfi");
}

}  // namespace hv::arch
