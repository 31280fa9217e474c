// The fake arch's stage-2 entries. Each level uses its own tag and layout, so a walker that
// confuses levels reads garbage and fails its tests.
#include "hv/arch/stage2.h"

#include "arch/host/fake.h"

namespace hv::arch::s2 {
namespace {

// Layout: bit 0 valid, bits 3:1 level tag, bit 4 table, bits 7:5 type, bits 9:8 perm,
// address in bits 63:12 XORed with a per-level salt.
constexpr u64 salt(int level) { return u64{0x5a5} << (16 + 4 * level); }
constexpr u64 kAddr = ~u64{0xfff};

}  // namespace

u64 make_table(PAddr next, int level) {
    return ((next.raw() ^ salt(level)) & kAddr) | (u64(level) << 1) | (1u << 4) | 1u;
}
u64 make_leaf(PAddr pa, int level, mm::P2mType type, mm::Perm perm) {
    return ((pa.raw() ^ salt(level)) & kAddr) | (u64(level) << 1) | (u64(type) << 5) |
           (u64(perm) << 8) | 1u;
}
bool is_valid(u64 pte, int level) {
    if ((pte & 1) == 0) return false;
    if (((pte >> 1) & 7) != u64(level)) throw fake::LevelMismatch{};
    return true;
}
bool is_table(u64 pte, int level) { return is_valid(pte, level) && (pte & (1u << 4)) != 0; }
PAddr output_address(u64 pte, int level) { return PAddr(((pte & kAddr) ^ salt(level)) & kAddr); }
mm::P2mType type_of(u64 pte, int) { return static_cast<mm::P2mType>((pte >> 5) & 7); }
mm::Perm perm_of(u64 pte, int) { return static_cast<mm::Perm>((pte >> 8) & 3); }
void flush_tlb(u16 vmid, PAddr) { ++fake::g_state.tlb_flushes[vmid & 0xff]; }

}  // namespace hv::arch::s2
