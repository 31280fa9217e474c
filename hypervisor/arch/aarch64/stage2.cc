// Stage-2 descriptors for a 4 KiB granule (Arm ARM D8.3: VMSAv8-64 descriptor formats; D8.5:
// stage 2 memory attributes and permissions).
#include "hv/arch/stage2.h"

#include "sysreg.h"

namespace hv::arch::s2 {
namespace {

constexpr u64 kValid = 1;
constexpr u64 kTableOrPage = 2;            // bit 1: table (levels 0-2) or page (level 3)
constexpr u64 kAddrMask = 0x0000fffffffff000ull;
constexpr u64 kMemAttrNormalWb = u64{0xf} << 2;  // MemAttr[5:2] = 0b1111 (D8.5.5)
constexpr u64 kMemAttrDevice = u64{0x1} << 2;    // Device-nGnRE
constexpr u64 kS2apShift = 6;                    // S2AP[7:6]: 01 read, 11 read/write
constexpr u64 kShInner = u64{3} << 8;
constexpr u64 kAf = u64{1} << 10;
constexpr u64 kXn = u64{1} << 54;
constexpr u64 kSwTypeShift = 55;                 // software bits [58:55]: the P2mType
constexpr u64 kSwTypeMask = u64{0xf} << kSwTypeShift;

}  // namespace

u64 make_table(PAddr next_table, int) { return (next_table.raw() & kAddrMask) | kTableOrPage | kValid; }

u64 make_leaf(PAddr pa, int level, mm::P2mType type, mm::Perm perm) {
    u64 e = (pa.raw() & kAddrMask) | kValid | kAf | (level == 3 ? kTableOrPage : 0);
    e |= type == mm::P2mType::kMmio ? (kMemAttrDevice | kXn) : (kMemAttrNormalWb | kShInner);
    e |= static_cast<u64>(perm) << kS2apShift;
    e |= static_cast<u64>(type) << kSwTypeShift;
    return e;
}

bool is_valid(u64 pte, int) { return (pte & kValid) != 0; }
bool is_table(u64 pte, int level) { return level < 3 && (pte & kTableOrPage) != 0; }
PAddr output_address(u64 pte, int) { return PAddr(pte & kAddrMask); }
mm::P2mType type_of(u64 pte, int) {
    return static_cast<mm::P2mType>((pte & kSwTypeMask) >> kSwTypeShift);
}
mm::Perm perm_of(u64 pte, int) { return static_cast<mm::Perm>((pte >> kS2apShift) & 3); }

void flush_tlb(u16 vmid, PAddr root) {
    // TLBI VMALLS12E1IS invalidates the stage 1+2 entries of the VMID in VTTBR_EL2, inner
    // shareable (Arm ARM C5.5): load the target domain's tables for it when dom0 edits a domU.
    u64 want = root.raw() | (u64{vmid} << 48);
    u64 old = HV_READ_SYSREG(vttbr_el2);
    if (old != want) {
        HV_WRITE_SYSREG(vttbr_el2, want);
        aarch64::isb();
    }
    asm volatile("dsb ishst\n tlbi vmalls12e1is\n dsb ish\n isb" ::: "memory");
    if (old != want) {
        HV_WRITE_SYSREG(vttbr_el2, old);
        aarch64::isb();
    }
}

}  // namespace hv::arch::s2
