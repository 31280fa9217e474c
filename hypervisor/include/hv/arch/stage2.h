// The contract for stage-2 translation-table entries. Core code walks and edits the tables;
// only the arch knows the bits. The host fake encodes each level differently, so a walker that
// mixes levels up fails its tests (the Hafnium fake-arch pattern).
#pragma once

#include "hv/addr.h"
#include "hv/mm/p2m_types.h"

namespace hv::arch::s2 {

/// Levels are numbered as in the Arm ARM (D8.2): the root is kRootLevel, leaves of 4 KiB pages
/// are at level 3. Blocks are allowed at levels 1 and 2.
inline constexpr int kRootLevel = 1;
/// Entries in the root table (concatenated tables for a 40-bit IPA space).
inline constexpr usize kRootEntries = 1024;
inline constexpr usize kEntries = 512;
/// Bits of IPA each level resolves, from the page offset up (level 3 → 12, 2 → 21, 1 → 30).
constexpr int level_shift(int level) { return 12 + 9 * (3 - level); }
inline constexpr u64 kIpaBits = 40;

u64 make_table(PAddr next_table, int level);
u64 make_leaf(PAddr pa, int level, mm::P2mType type, mm::Perm perm);
bool is_valid(u64 pte, int level);
bool is_table(u64 pte, int level);
PAddr output_address(u64 pte, int level);
mm::P2mType type_of(u64 pte, int level);
mm::Perm perm_of(u64 pte, int level);

/// Makes stage-2 changes for `vmid` (tables at `root`) visible after an entry was removed or
/// weakened, whichever domain's tables this pCPU has loaded.
void flush_tlb(u16 vmid, PAddr root);

}  // namespace hv::arch::s2
