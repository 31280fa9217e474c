// Stage-2 table walking and editing, arch-neutral (entry bits are the arch's: hv/arch/stage2.h).
#include "hv/mm/p2m.h"

#include "hv/arch/memory.h"
#include "hv/arch/stage2.h"
#include "hv/mm/page_alloc.h"

namespace hv::mm {
namespace {

constexpr usize kRootPages = arch::s2::kRootEntries / arch::s2::kEntries;

usize index_at(IPAddr ipa, int level) {
    u64 idx = ipa.raw() >> arch::s2::level_shift(level);
    return static_cast<usize>(level == arch::s2::kRootLevel ? idx : idx % arch::s2::kEntries);
}

u64* table_ptr(PAddr pa) { return static_cast<u64*>(arch::phys_to_virt(pa)); }

}  // namespace

bool P2m::init(PageAllocator& alloc, u16 vmid) {
    alloc_ = &alloc;
    vmid_ = vmid;
    root_ = alloc.alloc(kRootPages, kRootPages);
    if (root_.raw() == 0) return false;
    table_pages_ = kRootPages;
    return true;
}

u64* P2m::table_for(IPAddr ipa, bool create) {
    u64* table = table_ptr(root_);
    for (int level = arch::s2::kRootLevel; level < 3; ++level) {
        u64& e = table[index_at(ipa, level)];
        if (!arch::s2::is_valid(e, level)) {
            if (!create) return nullptr;
            PAddr next = alloc_->alloc();
            if (next.raw() == 0) return nullptr;
            ++table_pages_;
            e = arch::s2::make_table(next, level);
        } else if (!arch::s2::is_table(e, level)) {
            return nullptr;  // a block: this P2m never creates them, so nothing to split
        }
        table = table_ptr(arch::s2::output_address(e, level));
    }
    return table;
}

bool P2m::map(IPAddr ipa, PAddr pa, u64 size, P2mType type, Perm perm) {
    if (!ipa.page_aligned() || !pa.page_aligned() || (size & (kPageSize - 1)) != 0) return false;
    if (type == P2mType::kNone || root_.raw() == 0) return false;
    if ((ipa.raw() + size) > (u64{1} << arch::s2::kIpaBits) || ipa.raw() + size < ipa.raw())
        return false;
    bool replaced = false;
    for (u64 off = 0; off < size; off += kPageSize) {
        u64* leaf_table = table_for(ipa + off, true);
        if (leaf_table == nullptr) return false;
        u64& e = leaf_table[index_at(ipa + off, 3)];
        replaced |= arch::s2::is_valid(e, 3);
        e = arch::s2::make_leaf(pa + off, 3, type, perm);
    }
    if (replaced) flush();
    return true;
}

void P2m::unmap(IPAddr ipa, u64 size) {
    bool changed = false;
    for (u64 off = 0; off < size; off += kPageSize) {
        u64* leaf_table = table_for(ipa + off, false);
        if (leaf_table == nullptr) continue;
        u64& e = leaf_table[index_at(ipa + off, 3)];
        if (arch::s2::is_valid(e, 3)) {
            e = 0;
            changed = true;
        }
    }
    if (changed) flush();
}

void P2m::flush() {
    if (batching_) {
        flush_pending_ = true;
    } else {
        arch::s2::flush_tlb(vmid_, root_);
    }
}

void P2m::end_batch() {
    batching_ = false;
    if (flush_pending_) arch::s2::flush_tlb(vmid_, root_);
    flush_pending_ = false;
}

P2mEntry P2m::lookup(IPAddr ipa) const {
    if (root_.raw() == 0 || ipa.raw() >= (u64{1} << arch::s2::kIpaBits)) return {};
    u64* table = table_ptr(root_);
    for (int level = arch::s2::kRootLevel; level <= 3; ++level) {
        u64 e = table[index_at(ipa, level)];
        if (!arch::s2::is_valid(e, level)) return {};
        if (level == 3 || !arch::s2::is_table(e, level)) {
            u64 offset = ipa.raw() & ((u64{1} << arch::s2::level_shift(level)) - 1);
            PAddr page(align_down((arch::s2::output_address(e, level) + offset).raw(), kPageSize));
            return {page, arch::s2::type_of(e, level), arch::s2::perm_of(e, level)};
        }
        table = table_ptr(arch::s2::output_address(e, level));
    }
    return {};
}

void P2m::walk(const u64* table, int level, usize entries, u64 base,
               void (*f)(IPAddr, const P2mEntry&, void*), void* ctx) const {
    for (usize i = 0; i < entries; ++i) {
        u64 e = table[i];
        if (!arch::s2::is_valid(e, level)) continue;
        u64 ipa = base + (u64{i} << arch::s2::level_shift(level));
        PAddr out = arch::s2::output_address(e, level);
        if (level < 3 && arch::s2::is_table(e, level)) {
            walk(table_ptr(out), level + 1, arch::s2::kEntries, ipa, f, ctx);
            continue;
        }
        u64 size = u64{1} << arch::s2::level_shift(level);  // a block maps many pages
        for (u64 off = 0; off < size; off += kPageSize) {
            P2mEntry pe{out + off, arch::s2::type_of(e, level), arch::s2::perm_of(e, level)};
            f(IPAddr(ipa + off), pe, ctx);
        }
    }
}

void P2m::for_each(void (*f)(IPAddr, const P2mEntry&, void*), void* ctx) const {
    if (root_.raw() == 0) return;
    walk(table_ptr(root_), arch::s2::kRootLevel, arch::s2::kRootEntries, 0, f, ctx);
}

void P2m::free_tables(u64* table, int level, usize entries) {
    if (level < 3) {
        for (usize i = 0; i < entries; ++i) {
            u64 e = table[i];
            if (arch::s2::is_valid(e, level) && arch::s2::is_table(e, level)) {
                PAddr next = arch::s2::output_address(e, level);
                free_tables(table_ptr(next), level + 1, arch::s2::kEntries);
                alloc_->free(next);
                --table_pages_;
            }
        }
    }
}

void P2m::destroy() {
    if (root_.raw() == 0) return;
    arch::s2::flush_tlb(vmid_, root_);  // the VMID may be reused once the tables are gone
    free_tables(table_ptr(root_), arch::s2::kRootLevel, arch::s2::kRootEntries);
    alloc_->free(root_, kRootPages);
    table_pages_ = 0;
    root_ = PAddr(0);
}

}  // namespace hv::mm
