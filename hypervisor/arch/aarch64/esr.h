// ESR_EL2 syndrome decoding as value types (Arm ARM D19.2.37 ESR_EL2; ISS encodings in D19.2.37
// tables per exception class). No bitfield unions: shifts and masks in constexpr accessors.
#pragma once

#include "hv/types.h"

namespace hv::aarch64 {

/// Exception classes handled by the hypervisor (Arm ARM D19.2.37, EC field).
enum class Ec : u8 {
    kUnknown = 0x00,
    kWfx = 0x01,
    kFpAccess = 0x07,
    kHvc64 = 0x16,
    kSmc64 = 0x17,
    kSysReg = 0x18,
    kInstAbortLower = 0x20,
    kDataAbortLower = 0x24,
    kDataAbortSame = 0x25,
};

class Esr {
public:
    constexpr explicit Esr(u64 raw) : raw_(raw) {}
    constexpr u64 raw() const { return raw_; }
    constexpr u8 ec() const { return static_cast<u8>((raw_ >> 26) & 0x3f); }
    constexpr bool il32() const { return ((raw_ >> 25) & 1) != 0; }
    constexpr u32 iss() const { return static_cast<u32>(raw_ & 0x1ffffff); }

    // HVC/SMC (ISS = imm16).
    constexpr u16 imm16() const { return static_cast<u16>(raw_ & 0xffff); }

    // WFI/WFE (D19.2.37, ISS for EC 0x01): TI bits [1:0], 0 = WFI, 1 = WFE.
    constexpr bool is_wfe() const { return (raw_ & 3) == 1; }

    // Data aborts (ISS for EC 0x24/0x25).
    constexpr bool isv() const { return ((raw_ >> 24) & 1) != 0; }
    constexpr u8 access_size() const { return static_cast<u8>(1u << ((raw_ >> 22) & 3)); }
    constexpr bool sign_extend() const { return ((raw_ >> 21) & 1) != 0; }
    constexpr u8 srt() const { return static_cast<u8>((raw_ >> 16) & 0x1f); }
    constexpr bool sixty_four() const { return ((raw_ >> 15) & 1) != 0; }
    constexpr bool s1ptw() const { return ((raw_ >> 7) & 1) != 0; }
    constexpr bool is_write() const { return ((raw_ >> 6) & 1) != 0; }
    constexpr u8 fsc() const { return static_cast<u8>(raw_ & 0x3f); }

    // MSR/MRS traps (ISS for EC 0x18): Op0, Op2, Op1, CRn, Rt, CRm, direction (1 = read).
    constexpr u8 sys_op0() const { return static_cast<u8>((raw_ >> 20) & 3); }
    constexpr u8 sys_op2() const { return static_cast<u8>((raw_ >> 17) & 7); }
    constexpr u8 sys_op1() const { return static_cast<u8>((raw_ >> 14) & 7); }
    constexpr u8 sys_crn() const { return static_cast<u8>((raw_ >> 10) & 0xf); }
    constexpr u8 sys_rt() const { return static_cast<u8>((raw_ >> 5) & 0x1f); }
    constexpr u8 sys_crm() const { return static_cast<u8>((raw_ >> 1) & 0xf); }
    constexpr bool sys_read() const { return (raw_ & 1) != 0; }
    /// The register's encoding with Rt and direction masked out, comparable with sysreg_key().
    constexpr u32 sys_key() const { return static_cast<u32>(raw_ & 0x3ffc1e); }

private:
    u64 raw_;
};

/// The sys_key() of system register (op0, op1, CRn, CRm, op2).
constexpr u32 sysreg_key(u32 op0, u32 op1, u32 crn, u32 crm, u32 op2) {
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (crm << 1);
}

/// ICC_SGI1R_EL1 (GICv3 §12.11.25): S3_0_C12_C11_5.
inline constexpr u32 kIccSgi1r = sysreg_key(3, 0, 12, 11, 5);

}  // namespace hv::aarch64
