// The hypervisor's physical page allocator: a bitmap per free region, 4 KiB pages, contiguous
// runs on request. Used for page tables, domain structures and guest RAM.
//
// Every allocated page has a reference count: alloc() gives its owner one reference, a mapping
// of the page into another domain (foreign or grant) takes another with get(), and the page
// returns to the allocator when the last reference is put. A domain that dies while dom0 still
// maps one of its pages therefore cannot cause a use-after-free.
#pragma once

#include "hv/addr.h"

namespace hv::mm {

class PageAllocator {
public:
    static constexpr usize kMaxRegions = 8;

    /// Adds the whole pages inside `range` to the allocator; its bitmap is carved from the range.
    /// Returns false if the region table is full or the range is too small to be useful.
    bool add_region(PRange range);

    /// Allocates `count` contiguous zeroed pages aligned to `align_pages` (a power of two).
    /// Returns PAddr(0) when no such run is free.
    PAddr alloc(usize count = 1, usize align_pages = 1);

    /// Drops the owner's reference of `count` pages starting at `pa` (which alloc() returned);
    /// each page returns to the allocator when no other reference is left.
    void free(PAddr pa, usize count = 1);

    /// Takes one more reference on the allocated page `pa`; false if this allocator does not
    /// manage it or it is free (RAM given to dom0 at boot, device memory: nothing to count).
    bool get(PAddr pa);
    /// Drops a reference taken with get() (or the owner's); true if the page was freed.
    bool put(PAddr pa);
    /// References held on `pa` (0 if free or not managed).
    u32 refs(PAddr pa) const;

    /// Whether `pa` lies in a page this allocator manages and has handed out.
    bool is_allocated(PAddr pa) const;

    usize free_pages() const { return free_pages_; }
    usize total_pages() const { return total_pages_; }

private:
    struct Region {
        PAddr base;        ///< first managed page
        usize pages = 0;   ///< managed pages
        u64* bitmap = nullptr;  ///< 1 = allocated
        u16* refs = nullptr;    ///< references per page (>= 1 while allocated)
        usize hint = 0;    ///< where the next search starts
    };
    Region* region_of(PAddr pa, usize& index);
    const Region* region_of(PAddr pa, usize& index) const;
    bool run_free(const Region& r, usize first, usize count) const;
    void mark(Region& r, usize first, usize count, bool used);

    Region regions_[kMaxRegions];
    usize nr_regions_ = 0;
    usize free_pages_ = 0;
    usize total_pages_ = 0;
};

/// The allocator of the running hypervisor (host tests make their own).
PageAllocator& pages();

}  // namespace hv::mm
