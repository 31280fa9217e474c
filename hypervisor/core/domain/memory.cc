// Domain memory: owned pages, foreign pages and hypervisor pages in a domain's p2m (see
// hv/domain_mem.h). Every page of the heap carries a reference count (hv/mm/page_alloc.h), so a
// page that dom0 still maps outlives the domain that owned it.
#include "hv/domain_mem.h"

#include "hv/domain.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace hv::dmem {
namespace {

IPAddr at(u64 gfn) { return IPAddr(gfn << kPageShift); }

/// Drops a reference on `pa` if the heap manages it (dom0's boot RAM and devices are not).
void release(PAddr pa) {
    if (mm::pages().refs(pa) != 0) mm::pages().put(pa);
}

}  // namespace

bool populate(Domain& d, u64 gfn, u32 order) {
    u64 n = u64{1} << order;
    if ((gfn & (n - 1)) != 0 || gfn + n > kMaxGfn || d.ram_pages + n > d.max_pages) return false;
    for (u64 k = 0; k < n; ++k)
        if (d.p2m.lookup(at(gfn + k)).valid()) return false;
    PAddr pa = mm::pages().alloc(n, n);
    if (pa.raw() == 0) return false;
    if (!d.p2m.map(at(gfn), pa, n << kPageShift, mm::P2mType::kRam, mm::Perm::kReadWrite)) {
        d.p2m.unmap(at(gfn), n << kPageShift);
        mm::pages().free(pa, n);
        return false;
    }
    d.ram_pages += n;
    return true;
}

mm::P2mType drop(Domain& d, u64 gfn) {
    mm::P2mEntry e = d.p2m.lookup(at(gfn));
    switch (e.type) {
        case mm::P2mType::kRam:
            d.p2m.unmap(at(gfn), kPageSize);
            if (!d.direct_mapped) {
                mm::pages().put(e.pa);
                --d.ram_pages;
            }
            break;
        case mm::P2mType::kForeign:
            d.p2m.unmap(at(gfn), kPageSize);
            release(e.pa);
            break;
        case mm::P2mType::kXenPage:
        case mm::P2mType::kMmio:
            d.p2m.unmap(at(gfn), kPageSize);
            break;
        case mm::P2mType::kGrant:
        case mm::P2mType::kNone:
            break;
    }
    return e.type;
}

i64 map_foreign_page(Domain& mapper, u64 gfn, PAddr pa) {
    if (gfn >= kMaxGfn) return -kEINVAL;
    if (mapper.p2m.lookup(at(gfn)).type == mm::P2mType::kGrant) return -kEBUSY;
    bool counted = mm::pages().get(pa);
    drop(mapper, gfn);
    if (!mapper.p2m.map(at(gfn), pa, kPageSize, mm::P2mType::kForeign, mm::Perm::kReadWrite)) {
        if (counted) mm::pages().put(pa);
        return -kENOMEM;
    }
    return 0;
}

i64 map_foreign(Domain& mapper, u64 gfn, Domain& owner, u64 owner_gfn) {
    if (owner_gfn >= kMaxGfn) return -kEINVAL;
    mm::P2mEntry e = owner.p2m.lookup(at(owner_gfn));
    if (e.type != mm::P2mType::kRam) return -kEINVAL;  // unpopulated, or not plain RAM
    return map_foreign_page(mapper, gfn, e.pa);
}

bool map_xen_page(Domain& d, u64 gfn, PAddr pa) {
    if (gfn >= kMaxGfn || d.p2m.lookup(at(gfn)).type == mm::P2mType::kGrant) return false;
    drop(d, gfn);
    return d.p2m.map(at(gfn), pa, kPageSize, mm::P2mType::kXenPage, mm::Perm::kReadWrite);
}

void release_all(Domain& d) {
    d.p2m.for_each(
        [](IPAddr, const mm::P2mEntry& e, void* ctx) {
            auto& dom = *static_cast<Domain*>(ctx);
            if (e.type == mm::P2mType::kRam && !dom.direct_mapped) {
                mm::pages().put(e.pa);
                --dom.ram_pages;
            } else if (e.type == mm::P2mType::kForeign || e.type == mm::P2mType::kGrant) {
                release(e.pa);
            }
        },
        &d);
}

}  // namespace hv::dmem
