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
    u64 page = 0;       ///< the granted frame's host address (a page reference is held)
    bool in_use = false;
    bool readonly = false;
};

/// Pin counts of one of this domain's grants while others map or copy it.
struct Active {
    u32 ref = 0;
    u16 readers = 0;
    u16 writers = 0;
};

inline constexpr u32 kMaxActive = 256;  ///< this domain's grants in use by others at once

struct Table {
    PAddr frames[kMaxFrames];   ///< shared frames, allocated on demand
    Active active[kMaxActive];  ///< pins of this domain's grants (ref, readers, writers)
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

/// What a map or copy asks of one grant.
struct MapRequest {
    u16 granter = 0;
    u32 ref = 0;
    bool readonly = false;
};

/// Maps `req`'s grant into `mapper` at guest frame `host_gfn` (GNTTABOP_map_grant_ref):
/// validates the entry, sets GTF_reading/GTF_writing, records a maptrack handle. Returns a
/// GNTST_* status; on success `handle` and `dev_bus_addr` (the frame's host address) are set.
i32 map(Domain& mapper, const MapRequest& req, u64 host_gfn, u32& handle, u64& dev_bus_addr);

/// Undoes map() for `handle` (GNTTABOP_unmap_grant_ref); `host_gfn` must match unless it is 0.
i32 unmap(Domain& mapper, u32 handle, u64 host_gfn);

/// One side of a grant copy: a grant of `domid` (gref) or a frame of the caller (gmfn).
struct CopySide {
    bool is_gref = false;
    u16 domid = 0;
    u64 ref_or_gfn = 0;
    u16 offset = 0;
};

/// Copies `len` bytes between two sides (GNTTABOP_copy); returns a GNTST_* status.
i32 copy(Domain& caller, const CopySide& src, const CopySide& dst, u16 len);

/// Unmaps every grant `d` holds of others (teardown of the mapper).
void unmap_all(Domain& d);

}  // namespace hv::grant
