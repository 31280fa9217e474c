// Grant tables, version 1 only (Xen on Arm: GNTTAB_MAX_VERSION 1; XEN-ABI.md §1.6).
#pragma once

#include "hv/addr.h"

namespace hv {
struct Domain;
}

namespace hv::grant {

inline constexpr u32 kMaxFrames = 64;          ///< hard cap of grant frames per domain
inline constexpr u32 kEntriesPerFrame = 512;   ///< 8-byte grant_entry_v1 per 4 KiB frame
inline constexpr u32 kMaxMaptrack = 1024;      ///< mappings a domain may hold of others' grants

/// A grant this domain has mapped from another (a maptrack entry; its index is the handle).
struct Mapping {
    u16 granter = 0;
    u32 ref = 0;
    u64 host_gfn = 0;   ///< where it is mapped in the mapper's p2m
    bool in_use = false;
    bool readonly = false;
};

/// Pin counts of one of this domain's grants while others map or copy it.
struct Active {
    u32 ref = 0;
    u16 readers = 0;
    u16 writers = 0;
};

struct Table {
    PAddr frames[kMaxFrames];   ///< shared frames, allocated on demand
    u32 nr_frames = 0;          ///< frames allocated so far (a prefix of `frames`)
    u32 max_frames = 32;        ///< limit for this domain (createdomain max_grant_frames)
    Mapping maptrack[kMaxMaptrack];
    u32 max_maptrack = kMaxMaptrack;
};

/// Makes sure frame `idx` exists; its host physical address, or PAddr(0) past the limit or
/// when out of memory.
PAddr frame(Domain& d, u32 idx);

/// Frees every frame (domain teardown).
void destroy(Domain& d);

}  // namespace hv::grant
