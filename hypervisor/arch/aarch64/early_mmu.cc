// The EL2 stage-1 identity map used from the first C++ instruction on: with the MMU off every
// data access is Device-nGnRnE and must be aligned, which libfdt and compiled code do not promise.
#include "hv/types.h"
#include "sysreg.h"

namespace hv::aarch64 {
namespace {

// MAIR_EL2 attribute indices (Arm ARM D19.2.97 MAIR_ELx).
constexpr u64 kAttrDevice = 0;  // Device-nGnRE (0x04)
constexpr u64 kAttrNormal = 1;  // Normal, inner/outer write-back non-transient RW-allocate (0xff)
constexpr u64 kMair = (u64{0x04} << (8 * kAttrDevice)) | (u64{0xff} << (8 * kAttrNormal));

// Level-1 block descriptor bits for 4 KiB granule (Arm ARM D8.3.1, D8.4.1).
constexpr u64 kBlock = 0b01;
constexpr u64 kAttrIndxShift = 2;
constexpr u64 kApRes1 = u64{1} << 6;  // AP[1] is RES1 in the EL2 regime (Arm ARM D8.4.1.2.1)
constexpr u64 kShInner = u64{3} << 8;
constexpr u64 kAf = u64{1} << 10;
constexpr u64 kXn = u64{1} << 54;

constexpr u64 kGiB = u64{1} << 30;
constexpr usize kL1Entries = 512;  // T0SZ = 25: a 39-bit space starting at level 1

alignas(4096) constinit u64 g_l1[kL1Entries] = {};

// TCR_EL2 (Arm ARM D19.2.140): T0SZ=25, IRGN0/ORGN0 = write-back, SH0 = inner, TG0 = 4 KiB,
// PS from ID_AA64MMFR0_EL1.PARange, RES1 bits 31 and 23.
constexpr u64 kTcrBase = 25 | (u64{1} << 8) | (u64{1} << 10) | (u64{3} << 12) | (u64{1} << 23) |
                         (u64{1} << 31);
// SCTLR_EL2 (Arm ARM D19.2.118) RES1 bits for HCR_EL2.E2H = 0, then M, C, SA, I.
constexpr u64 kSctlrRes1 = 0x30C50830;
constexpr u64 kSctlrEnable = (u64{1} << 0) | (u64{1} << 2) | (u64{1} << 3) | (u64{1} << 12);

}  // namespace

/// Loads the EL2 translation regime built by early_mmu_enable() and turns the MMU on: for
/// secondary pCPUs, which share the boot CPU's tables.
void mmu_enable_this_cpu() {
    u64 parange = HV_READ_SYSREG(id_aa64mmfr0_el1) & 0xf;
    HV_WRITE_SYSREG(mair_el2, kMair);
    HV_WRITE_SYSREG(tcr_el2, kTcrBase | ((parange > 5 ? 5 : parange) << 16));
    HV_WRITE_SYSREG(ttbr0_el2, reinterpret_cast<u64>(g_l1));
    isb();
    asm volatile("tlbi alle2" ::: "memory");
    dsb_sy();
    isb();
    HV_WRITE_SYSREG(sctlr_el2, kSctlrRes1 | kSctlrEnable);
    isb();
}

/// Maps the first 512 GiB 1:1: the first GiB (QEMU virt's and most boards' MMIO) as device
/// memory, the rest as normal memory, and turns the MMU and caches on.
void early_mmu_enable() {
    for (usize i = 0; i < kL1Entries; ++i) {
        u64 pa = i * kGiB;
        u64 attrs = i == 0 ? (kAttrDevice << kAttrIndxShift) | kXn
                           : (kAttrNormal << kAttrIndxShift) | kShInner;
        g_l1[i] = pa | attrs | kBlock | kAf | kApRes1;
    }
    // The table was written with the MMU off; drop any stale cache lines over it.
    for (usize off = 0; off < sizeof g_l1; off += 64) {
        asm volatile("dc ivac, %0" ::"r"(reinterpret_cast<u64>(g_l1) + off) : "memory");
    }
    dsb_sy();
    mmu_enable_this_cpu();
}

}  // namespace hv::aarch64
