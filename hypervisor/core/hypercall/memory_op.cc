// memory_op: placing shared_info and grant frames, ballooning, and populating a domU's RAM.
#include "hv/arch/memory.h"
#include "hv/domain.h"
#include "hv/domain_mem.h"
#include "hv/domain_ops.h"
#include "hv/grant.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/memory_ops.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {

MemoryTarget memory_target(Vcpu& v, u16 domid) {
    Domain* d = resolve_domid(*v.domain, domid);
    if (d == nullptr) return {nullptr, -kESRCH};
    if (d != v.domain && !v.domain->privileged) return {nullptr, -kEPERM};
    return {d, 0};
}

namespace {

IPAddr gfn_addr(u64 gfn) { return IPAddr(gfn << kPageShift); }

i64 add_to_physmap(Vcpu& v, GVAddr arg) {
    xen_add_to_physmap xatp;
    if (!get_guest(v, arg, xatp)) return -kEFAULT;
    auto [d, err] = memory_target(v, xatp.domid);
    if (d == nullptr) return err;
    if (xatp.gpfn >= dmem::kMaxGfn) return -kEINVAL;
    switch (xatp.space) {
        case XENMAPSPACE_shared_info: {
            if (xatp.idx != 0) return -kEINVAL;
            if (d->shared_info == nullptr && !attach_shared_info(*d)) return -kENOMEM;
            if (d->shared_info_gfn != ~u64{0}) d->p2m.unmap(gfn_addr(d->shared_info_gfn), kPageSize);
            if (!dmem::map_xen_page(*d, xatp.gpfn, d->shared_info_page)) return -kENOMEM;
            d->shared_info_gfn = xatp.gpfn;
            return 0;
        }
        case XENMAPSPACE_grant_table: {
            if ((xatp.idx & XENMAPIDX_grant_table_status) != 0) return -kEINVAL;  // v1 only
            PAddr f = grant::frame(*d, static_cast<u32>(xatp.idx));
            if (f.raw() == 0) return -kEINVAL;
            return dmem::map_xen_page(*d, xatp.gpfn, f) ? 0 : -kENOMEM;
        }
        default: return -kENOSYS;
    }
}

/// Whether page `gfn` is RAM a direct-mapped domain was given at boot.
bool own_direct_ram(const Domain& d, u64 gfn) {
    PAddr pa(gfn << kPageShift);
    for (u32 i = 0; i < d.nr_ram; ++i)
        if (d.ram[i].contains(pa)) return true;
    return false;
}

/// One extent of XENMEM_populate_physmap or XENMEM_decrease_reservation.
bool change_extent(Domain& d, u32 cmd, u64 gfn, u32 order) {
    u64 pages = u64{1} << order;
    if (gfn >= dmem::kMaxGfn || gfn + pages > dmem::kMaxGfn) return false;
    if (d.direct_mapped) {
        // A direct-mapped domain keeps its frames: only the stage-2 entries come and go.
        for (u64 k = 0; k < pages; ++k)
            if (!own_direct_ram(d, gfn + k)) return false;
        if (cmd == XENMEM_decrease_reservation) {
            for (u64 k = 0; k < pages; ++k) dmem::drop(d, gfn + k);
            return true;
        }
        return d.p2m.map(gfn_addr(gfn), PAddr(gfn << kPageShift), pages << kPageShift,
                         mm::P2mType::kRam, mm::Perm::kReadWrite);
    }
    if (cmd == XENMEM_populate_physmap) return dmem::populate(d, gfn, order);
    for (u64 k = 0; k < pages; ++k)
        if (d.p2m.lookup(gfn_addr(gfn + k)).type != mm::P2mType::kRam) return false;
    for (u64 k = 0; k < pages; ++k) dmem::drop(d, gfn + k);
    return true;
}

i64 reservation(Vcpu& v, u32 cmd, u64 start, GVAddr arg) {
    xen_memory_reservation r;
    if (!get_guest(v, arg, r)) return -kEFAULT;
    auto [d, err] = memory_target(v, r.domid);
    if (d == nullptr) return err;
    if (r.extent_order > 9 || d->dying) return -kEINVAL;
    GVAddr list(reinterpret_cast<u64>(r.extent_start.p));
    u64 done = start;
    // A balloon driver gives dom0's RAM back 512 pages a call: one TLB flush for them all
    // (the frames stay dom0's, so a stale entry until the flush exposes nothing).
    bool batch = d->direct_mapped && cmd == XENMEM_decrease_reservation;
    if (batch) d->p2m.begin_batch();
    bool fault = false;
    for (; done < r.nr_extents; ++done) {
        xen_pfn_t gfn;
        if (!get_guest(v, list + done * sizeof gfn, gfn)) {
            fault = true;
            break;
        }
        if (!change_extent(*d, cmd, gfn, r.extent_order)) break;
    }
    if (batch) d->p2m.end_batch();
    return fault && done == 0 ? -kEFAULT : static_cast<i64>(done);
}

i64 remove_from_physmap(Vcpu& v, GVAddr arg) {
    xen_remove_from_physmap x;
    if (!get_guest(v, arg, x)) return -kEFAULT;
    auto [d, err] = memory_target(v, x.domid);
    if (d == nullptr) return err;
    if (x.gpfn >= dmem::kMaxGfn) return -kEINVAL;
    if (x.gpfn == d->shared_info_gfn) d->shared_info_gfn = ~u64{0};
    return dmem::drop(*d, x.gpfn) == mm::P2mType::kGrant ? -kEINVAL : 0;
}

}  // namespace

i64 memory_op(Vcpu& v, u32 cmd, GVAddr arg) {
    // Bits above MEMOP_EXTENT_SHIFT (6, a __XEN__-only name) hold a continuation's start.
    constexpr u32 kCmdMask = (1u << 6) - 1;
    u64 start = cmd >> 6;
    switch (cmd & kCmdMask) {
        case XENMEM_add_to_physmap: return add_to_physmap(v, arg);
        case XENMEM_decrease_reservation:
        case XENMEM_populate_physmap: return reservation(v, cmd & kCmdMask, start, arg);
        case XENMEM_remove_from_physmap: return remove_from_physmap(v, arg);
        case XENMEM_add_to_physmap_batch: return add_to_physmap_batch(v, arg);
        case XENMEM_acquire_resource: return acquire_resource(v, arg);
        case XENMEM_current_reservation:
        case XENMEM_maximum_reservation: {
            domid_t domid;
            if (!get_guest(v, arg, domid)) return -kEFAULT;
            auto [d, err] = memory_target(v, domid);
            if (d == nullptr) return err;
            bool max = (cmd & kCmdMask) == XENMEM_maximum_reservation && !d->direct_mapped;
            return static_cast<i64>(max ? d->max_pages : d->ram_pages);
        }
        default: return -kENOSYS;
    }
}

}  // namespace hv::hypercall
