// Bitmap page allocator (see hv/mm/page_alloc.h).
#include "hv/mm/page_alloc.h"

#include "hv/arch/memory.h"
#include "hv/panic.h"

namespace hv::mm {
namespace {
constinit PageAllocator g_pages;

bool test_bit(const u64* bm, usize i) { return (bm[i / 64] >> (i % 64)) & 1; }
}  // namespace

PageAllocator& pages() { return g_pages; }

bool PageAllocator::add_region(PRange range) {
    PAddr base(align_up(range.base.raw(), kPageSize));
    u64 end = align_down(range.end().raw(), kPageSize);
    if (nr_regions_ == kMaxRegions || end <= base.raw()) return false;
    usize pages = (end - base.raw()) >> kPageShift;
    usize bitmap_bytes = ((pages + 63) / 64) * 8;
    usize meta_bytes = align_up(bitmap_bytes + pages * sizeof(u16), kPageSize);
    usize meta_pages = meta_bytes >> kPageShift;
    if (pages <= meta_pages + 1) return false;
    Region& r = regions_[nr_regions_++];
    auto* meta = static_cast<u8*>(arch::phys_to_virt(base));
    __builtin_memset(meta, 0, meta_bytes);
    r.bitmap = reinterpret_cast<u64*>(meta);
    r.refs = reinterpret_cast<u16*>(meta + bitmap_bytes);
    r.base = base + meta_bytes;
    r.pages = pages - meta_pages;
    r.hint = 0;
    free_pages_ += r.pages;
    total_pages_ += r.pages;
    return true;
}

bool PageAllocator::run_free(const Region& r, usize first, usize count) const {
    for (usize i = first; i < first + count; ++i)
        if (test_bit(r.bitmap, i)) return false;
    return true;
}

void PageAllocator::mark(Region& r, usize first, usize count, bool used) {
    for (usize i = first; i < first + count; ++i) {
        u64 bit = u64{1} << (i % 64);
        if (used) r.bitmap[i / 64] |= bit;
        else r.bitmap[i / 64] &= ~bit;
        r.refs[i] = used ? 1 : 0;
    }
}

PAddr PageAllocator::alloc(usize count, usize align_pages) {
    if (count == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) != 0) return PAddr(0);
    if (count > free_pages_) return PAddr(0);  // exhausted: no need to scan
    for (usize ri = 0; ri < nr_regions_; ++ri) {
        Region& r = regions_[ri];
        for (usize pass = 0; pass < 2; ++pass) {
            usize start = pass == 0 ? r.hint : 0;
            usize stop = pass == 0 ? r.pages : r.hint;
            for (usize i = start; i + count <= r.pages && i < stop + count; ++i) {
                // Alignment is of the physical page number, not the index.
                u64 pfn = r.base.page_number() + i;
                if ((pfn & (align_pages - 1)) != 0) continue;
                if (!run_free(r, i, count)) continue;
                mark(r, i, count, true);
                r.hint = i + count;
                free_pages_ -= count;
                PAddr pa = r.base + (u64{i} << kPageShift);
                arch::zero_pages(arch::phys_to_virt(pa), count << kPageShift);
                return pa;
            }
        }
    }
    return PAddr(0);
}

PageAllocator::Region* PageAllocator::region_of(PAddr pa, usize& index) {
    const auto* self = this;
    return const_cast<Region*>(self->region_of(pa, index));
}

const PageAllocator::Region* PageAllocator::region_of(PAddr pa, usize& index) const {
    for (usize ri = 0; ri < nr_regions_; ++ri) {
        const Region& r = regions_[ri];
        if (pa >= r.base && pa < r.base + (u64{r.pages} << kPageShift)) {
            index = (pa - r.base) >> kPageShift;
            return &r;
        }
    }
    return nullptr;
}

bool PageAllocator::is_allocated(PAddr pa) const {
    usize i = 0;
    const Region* r = region_of(pa, i);
    return r != nullptr && test_bit(r->bitmap, i);
}

void PageAllocator::free(PAddr pa, usize count) {
    usize i = 0;
    Region* r = region_of(pa, i);
    if (r == nullptr || !pa.page_aligned() || i + count > r->pages)
        panic("page_alloc: freeing %zu page(s) at 0x%llx not from this allocator", count,
              static_cast<unsigned long long>(pa.raw()));
    for (usize k = i; k < i + count; ++k)
        if (!test_bit(r->bitmap, k))
            panic("page_alloc: double free of 0x%llx",
                  static_cast<unsigned long long>((r->base + (u64{k} << kPageShift)).raw()));
    for (usize k = 0; k < count; ++k) put(pa + (u64{k} << kPageShift));
}

bool PageAllocator::get(PAddr pa) {
    usize i = 0;
    Region* r = region_of(pa, i);
    if (r == nullptr || !test_bit(r->bitmap, i) || r->refs[i] == 0xffff) return false;
    ++r->refs[i];
    return true;
}

bool PageAllocator::put(PAddr pa) {
    usize i = 0;
    Region* r = region_of(pa, i);
    if (r == nullptr || !test_bit(r->bitmap, i) || r->refs[i] == 0)
        panic("page_alloc: put of 0x%llx, which holds no reference",
              static_cast<unsigned long long>(pa.raw()));
    if (--r->refs[i] != 0) return false;
    mark(*r, i, 1, false);
    ++free_pages_;
    return true;
}

u32 PageAllocator::refs(PAddr pa) const {
    usize i = 0;
    const Region* r = region_of(pa, i);
    return r != nullptr && test_bit(r->bitmap, i) ? r->refs[i] : 0;
}

}  // namespace hv::mm
