// A domain's memory as the memory hypercalls see it: RAM pages it owns, pages of other domains
// it maps (foreign and grant mappings hold a page reference), and hypervisor pages it shows.
#pragma once

#include "hv/mm/p2m.h"
#include "hv/types.h"

namespace hv {
struct Domain;
}

namespace hv::dmem {

/// Gives `d` 2^order new zeroed pages at guest frame `gfn` (XENMEM_populate_physmap for a
/// domain that is not direct-mapped). False, with nothing changed, if the frames are not aligned
/// or free, past the domain's max_pages, or memory is short.
bool populate(Domain& d, u64 gfn, u32 order);

/// Removes whatever `d` maps at `gfn`, releasing what the entry held: an owned RAM page goes
/// back (dom0's boot RAM is only unmapped), a foreign page's reference is dropped. Grant
/// mappings are left to GNTTABOP_unmap_grant_ref and hypervisor pages to their owner.
/// Returns the type that was there.
mm::P2mType drop(Domain& d, u64 gfn);

/// Maps `owner`'s RAM page `owner_gfn` into `mapper` at `gfn` (privcmd's foreign mapping),
/// taking a page reference. Returns 0 or a negative Xen errno.
i64 map_foreign(Domain& mapper, u64 gfn, Domain& owner, u64 owner_gfn);

/// Maps the hypervisor page `pa` into `d` at `gfn` (shared_info, grant frames) in place of
/// whatever was there; false when out of table memory.
bool map_xen_page(Domain& d, u64 gfn, PAddr pa);

/// Maps a hypervisor page that another domain owns (its grant frames) into `mapper` at `gfn`
/// as a foreign page, taking a reference.
i64 map_foreign_page(Domain& mapper, u64 gfn, PAddr pa);

/// Releases every page reference `d`'s p2m holds (teardown, after grants were unmapped).
void release_all(Domain& d);

/// Highest guest frame number + 1 that a mapping may use (40-bit IPA space).
inline constexpr u64 kMaxGfn = u64{1} << (40 - 12);

}  // namespace hv::dmem
