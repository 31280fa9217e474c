// A domain's stage-2 translation: guest-physical (IPA) to host-physical, with a type and
// permissions per page. Tables come from the page allocator.
#pragma once

#include "hv/addr.h"
#include "hv/mm/p2m_types.h"

namespace hv::mm {

class PageAllocator;

/// The result of looking up one guest page.
struct P2mEntry {
    PAddr pa;
    P2mType type = P2mType::kNone;
    Perm perm = Perm::kNone;
    bool valid() const { return type != P2mType::kNone; }
};

class P2m {
public:
    /// Allocates the root table; false when out of memory.
    bool init(PageAllocator& alloc, u16 vmid);
    /// Frees every table (not the pages they map). The P2m is empty afterwards.
    void destroy();

    /// Maps `size` bytes (page multiples) from `ipa` to `pa`. Fails (false) on misalignment,
    /// on an address beyond the IPA space, or when out of table memory; nothing changes for a
    /// page that could not be mapped, pages before it stay mapped.
    bool map(IPAddr ipa, PAddr pa, u64 size, P2mType type, Perm perm);
    /// Removes the mappings of `size` bytes from `ipa`; unmapped pages are skipped.
    void unmap(IPAddr ipa, u64 size);
    /// The mapping of the page containing `ipa`.
    P2mEntry lookup(IPAddr ipa) const;

    /// Between begin_batch() and end_batch() TLB maintenance is collected into one flush at
    /// the end. Only for changes that free nothing (a direct-mapped domain's own RAM).
    void begin_batch() { batching_ = true; }
    void end_batch();

    /// Calls `f` for every mapped page, in guest-address order.
    void for_each(void (*f)(IPAddr ipa, const P2mEntry& e, void* ctx), void* ctx) const;

    PAddr root() const { return root_; }
    u16 vmid() const { return vmid_; }
    /// Pages of translation tables in use (root included).
    usize table_pages() const { return table_pages_; }

private:
    u64* table_for(IPAddr ipa, bool create);
    void free_tables(u64* table, int level, usize entries);
    void walk(const u64* table, int level, usize entries, u64 base,
              void (*f)(IPAddr, const P2mEntry&, void*), void* ctx) const;

    PageAllocator* alloc_ = nullptr;
    PAddr root_;
    u16 vmid_ = 0;
    usize table_pages_ = 0;
    bool batching_ = false;
    bool flush_pending_ = false;

    void flush();
};

}  // namespace hv::mm
