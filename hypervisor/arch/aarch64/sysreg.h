// System register access for EL2 code (Arm ARM D19: AArch64 system register descriptions).
#pragma once

#include "hv/types.h"

#define HV_READ_SYSREG(name)                               \
    __extension__({                                        \
        ::hv::u64 v_;                                      \
        asm volatile("mrs %0, " #name : "=r"(v_));         \
        v_;                                                \
    })
#define HV_WRITE_SYSREG(name, v) asm volatile("msr " #name ", %0" ::"r"(::hv::u64{v}) : "memory")

namespace hv::aarch64 {

inline void isb() { asm volatile("isb" ::: "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
inline void dsb_ish() { asm volatile("dsb ish" ::: "memory"); }

}  // namespace hv::aarch64
