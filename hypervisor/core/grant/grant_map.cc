// Grant map, unmap and copy with Xen's bookkeeping: GTF_reading/GTF_writing stay set on the
// granter's entry while any mapping or copy uses it, so a frontend cannot revoke and reuse a
// page a backend still has (XEN-ABI.md §1.6, §3.3).
#include "hv/arch/memory.h"
#include "hv/domain.h"
#include "hv/grant.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace hv::grant {
namespace {

grant_entry_v1* entry_of(Domain& g, u32 ref) {
    if (ref >= g.gnttab.nr_frames * kEntriesPerFrame) return nullptr;
    auto* frame = static_cast<grant_entry_v1*>(arch::phys_to_virt(g.gnttab.frames[ref / kEntriesPerFrame]));
    return &frame[ref % kEntriesPerFrame];
}

Active* find_active(Domain& g, u32 ref, bool create) {
    Active* free_slot = nullptr;
    for (Active& a : g.gnttab.active) {
        if ((a.readers | a.writers) != 0 && a.ref == ref) return &a;
        if ((a.readers | a.writers) == 0 && free_slot == nullptr) free_slot = &a;
    }
    if (!create || free_slot == nullptr) return nullptr;
    free_slot->ref = ref;
    return free_slot;
}

/// Checks the entry and pins it for reading (and writing); on success returns the granted
/// frame's host address.
i32 pin(Domain& granter, u16 user, u32 ref, bool readonly, PAddr& page) {
    grant_entry_v1* e = entry_of(granter, ref);
    if (e == nullptr) return GNTST_bad_gntref;
    // The guest can change the entry under us: read flags once, then publish our pin bits with
    // a compare-and-swap that fails if the guest revoked or changed it meanwhile.
    u16 flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((flags & GTF_type_mask) != GTF_permit_access) return GNTST_general_error;
        if (__atomic_load_n(&e->domid, __ATOMIC_ACQUIRE) != user) return GNTST_general_error;
        if (!readonly && (flags & GTF_readonly) != 0) return GNTST_general_error;
        u16 want = static_cast<u16>(flags | GTF_reading | (readonly ? 0 : GTF_writing));
        if (__atomic_compare_exchange_n(&e->flags, &flags, want, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            break;
    }
    u64 gfn = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
    mm::P2mEntry pe = granter.p2m.lookup(IPAddr(gfn << kPageShift));
    Active* a = find_active(granter, ref, true);
    if (pe.type != mm::P2mType::kRam || a == nullptr) {
        // Undo only the bits no one else holds.
        Active* other = find_active(granter, ref, false);
        u16 clear = static_cast<u16>((other == nullptr || other->readers == 0 ? GTF_reading : 0) |
                                     (!readonly && (other == nullptr || other->writers == 0)
                                          ? GTF_writing : 0));
        __atomic_fetch_and(&e->flags, static_cast<u16>(~clear), __ATOMIC_ACQ_REL);
        return pe.type != mm::P2mType::kRam ? GNTST_bad_page : GNTST_no_device_space;
    }
    ++a->readers;
    if (!readonly) ++a->writers;
    page = pe.pa;
    return GNTST_okay;
}

void unpin(Domain& granter, u32 ref, bool readonly) {
    Active* a = find_active(granter, ref, false);
    grant_entry_v1* e = entry_of(granter, ref);
    if (a == nullptr || e == nullptr) return;
    if (a->readers > 0) --a->readers;
    if (!readonly && a->writers > 0) --a->writers;
    u16 clear = static_cast<u16>((a->readers == 0 ? GTF_reading : 0) |
                                 (a->writers == 0 ? GTF_writing : 0));
    if (clear != 0) __atomic_fetch_and(&e->flags, static_cast<u16>(~clear), __ATOMIC_ACQ_REL);
}

}  // namespace

i32 map(Domain& mapper, const MapRequest& req, u64 host_gfn, u32& handle, u64& dev_bus_addr) {
    Domain* g = domain_by_id(req.granter);
    if (g == nullptr) return GNTST_bad_domain;
    Table& mt = mapper.gnttab;
    u32 slot = 0;
    while (slot < mt.max_maptrack && slot < kMaxMaptrack && mt.maptrack[slot].in_use) ++slot;
    if (slot >= mt.max_maptrack || slot >= kMaxMaptrack) return GNTST_no_device_space;
    if (host_gfn >= (u64{1} << (40 - kPageShift))) return GNTST_bad_virt_addr;
    PAddr page;
    i32 st = pin(*g, mapper.id, req.ref, req.readonly, page);
    if (st != GNTST_okay) return st;
    mm::P2mType old = mapper.p2m.lookup(IPAddr(host_gfn << kPageShift)).type;
    if (old != mm::P2mType::kNone && !(old == mm::P2mType::kRam && mapper.direct_mapped)) {
        // Only a hole (or a direct-mapped domain's ballooned-out RAM) may take a grant.
        unpin(*g, req.ref, req.readonly);
        return GNTST_bad_virt_addr;
    }
    if (!mapper.p2m.map(IPAddr(host_gfn << kPageShift), page, kPageSize, mm::P2mType::kGrant,
                        req.readonly ? mm::Perm::kRead : mm::Perm::kReadWrite)) {
        unpin(*g, req.ref, req.readonly);
        return GNTST_general_error;
    }
    mm::pages().get(page);  // the page outlives its owner while mapped (unmanaged: no count)
    mt.maptrack[slot] = {req.granter, req.ref, host_gfn, page.raw(), true, req.readonly};
    handle = slot;
    dev_bus_addr = page.raw();
    return GNTST_okay;
}

i32 unmap(Domain& mapper, u32 handle, u64 host_gfn) {
    if (handle >= kMaxMaptrack || !mapper.gnttab.maptrack[handle].in_use) return GNTST_bad_handle;
    Mapping& m = mapper.gnttab.maptrack[handle];
    if (host_gfn != 0 && host_gfn != m.host_gfn) return GNTST_bad_virt_addr;
    mapper.p2m.unmap(IPAddr(m.host_gfn << kPageShift), kPageSize);
    if (mm::pages().refs(PAddr(m.page)) != 0) mm::pages().put(PAddr(m.page));
    if (Domain* g = domain_by_id(m.granter)) unpin(*g, m.ref, m.readonly);
    m = Mapping{};
    return GNTST_okay;
}

void unmap_all(Domain& d) {
    for (u32 h = 0; h < kMaxMaptrack; ++h)
        if (d.gnttab.maptrack[h].in_use) unmap(d, h, 0);
}

i32 copy(Domain& caller, const CopySide& src, const CopySide& dst, u16 len) {
    if (src.offset + u32{len} > kPageSize || dst.offset + u32{len} > kPageSize)
        return GNTST_bad_copy_arg;
    struct Side {
        Domain* d = nullptr;
        PAddr page;
        bool pinned = false;
    } sides[2];
    const CopySide* in[2] = {&src, &dst};
    i32 st = GNTST_okay;
    for (int i = 0; i < 2 && st == GNTST_okay; ++i) {
        const CopySide& c = *in[i];
        if (c.is_gref) {
            sides[i].d = domain_by_id(c.domid);
            if (sides[i].d == nullptr) {
                st = GNTST_bad_domain;
                break;
            }
            st = pin(*sides[i].d, caller.id, static_cast<u32>(c.ref_or_gfn), i == 0, sides[i].page);
            sides[i].pinned = st == GNTST_okay;
        } else {
            // A frame of the caller's own (or, for dom0, any domain's) memory.
            Domain* d = c.domid == DOMID_SELF ? &caller : domain_by_id(c.domid);
            if (d == nullptr || (d != &caller && !caller.privileged)) {
                st = d == nullptr ? GNTST_bad_domain : GNTST_permission_denied;
                break;
            }
            mm::P2mEntry e = d->p2m.lookup(IPAddr(c.ref_or_gfn << kPageShift));
            if (e.type != mm::P2mType::kRam || (i == 1 && e.perm != mm::Perm::kReadWrite)) {
                st = GNTST_bad_page;
                break;
            }
            sides[i].page = e.pa;
        }
    }
    if (st == GNTST_okay && !src.is_gref && !dst.is_gref) st = GNTST_bad_gntref;  // local→local
    if (st == GNTST_okay) {
        __builtin_memmove(static_cast<u8*>(arch::phys_to_virt(sides[1].page)) + dst.offset,
                          static_cast<u8*>(arch::phys_to_virt(sides[0].page)) + src.offset, len);
    }
    for (int i = 0; i < 2; ++i)
        if (sides[i].pinned) unpin(*sides[i].d, static_cast<u32>(in[i]->ref_or_gfn), i == 0);
    return st;
}

}  // namespace hv::grant
