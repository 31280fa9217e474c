// memory_op: placing shared_info and grant frames, and dom0 ballooning.
#include "hv/arch/memory.h"
#include "hv/domain.h"
#include "hv/grant.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

Domain* target(Vcpu& v, u16 domid) {
    Domain* d = resolve_domid(*v.domain, domid);
    if (d != nullptr && d != v.domain && !v.domain->privileged) return nullptr;
    return d;
}

IPAddr gfn_addr(u64 gfn) { return IPAddr(gfn << kPageShift); }

i64 add_to_physmap(Vcpu& v, GVAddr arg) {
    xen_add_to_physmap xatp;
    if (!get_guest(v, arg, xatp)) return -kEFAULT;
    Domain* d = target(v, xatp.domid);
    if (d == nullptr) return xatp.domid == DOMID_SELF ? -kESRCH : -kEPERM;
    if (xatp.gpfn >= (u64{1} << (40 - kPageShift))) return -kEINVAL;
    switch (xatp.space) {
        case XENMAPSPACE_shared_info: {
            if (xatp.idx != 0) return -kEINVAL;
            if (d->shared_info == nullptr) {
                PAddr page = mm::pages().alloc();
                if (page.raw() == 0) return -kENOMEM;
                d->shared_info_page = page;
                d->shared_info = static_cast<SharedInfo*>(arch::phys_to_virt(page));
            }
            if (d->shared_info_gfn != ~u64{0}) d->p2m.unmap(gfn_addr(d->shared_info_gfn), kPageSize);
            if (!d->p2m.map(gfn_addr(xatp.gpfn), d->shared_info_page, kPageSize, mm::P2mType::kRam,
                            mm::Perm::kReadWrite))
                return -kENOMEM;
            d->shared_info_gfn = xatp.gpfn;
            return 0;
        }
        case XENMAPSPACE_grant_table: {
            if ((xatp.idx & XENMAPIDX_grant_table_status) != 0) return -kEINVAL;  // v1 only
            PAddr f = grant::frame(*d, static_cast<u32>(xatp.idx));
            if (f.raw() == 0) return -kEINVAL;
            if (!d->p2m.map(gfn_addr(xatp.gpfn), f, kPageSize, mm::P2mType::kRam,
                            mm::Perm::kReadWrite))
                return -kENOMEM;
            return 0;
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

i64 reservation(Vcpu& v, u32 cmd, GVAddr arg) {
    xen_memory_reservation r;
    if (!get_guest(v, arg, r)) return -kEFAULT;
    Domain* d = target(v, r.domid);
    if (d == nullptr) return -kESRCH;
    if (r.extent_order > 9) return -kEINVAL;
    if (!d->direct_mapped) return -kENOSYS;  // domU memory comes with the domU issue
    u64 pages_per_extent = u64{1} << r.extent_order;
    GVAddr list(reinterpret_cast<u64>(r.extent_start.p));
    u64 done = 0;
    for (; done < r.nr_extents; ++done) {
        xen_pfn_t gfn;
        if (!get_guest(v, list + done * sizeof gfn, gfn)) return done > 0 ? i64(done) : -kEFAULT;
        for (u64 k = 0; k < pages_per_extent; ++k) {
            if (!own_direct_ram(*d, gfn + k)) return static_cast<i64>(done);
        }
        if (cmd == XENMEM_decrease_reservation) {
            // A direct-mapped domain keeps the frame; only the stage-2 entry goes (as Xen does).
            d->p2m.unmap(gfn_addr(gfn), pages_per_extent << kPageShift);
        } else {
            if (!d->p2m.map(gfn_addr(gfn), PAddr(gfn << kPageShift), pages_per_extent << kPageShift,
                            mm::P2mType::kRam, mm::Perm::kReadWrite))
                return static_cast<i64>(done);
        }
    }
    return static_cast<i64>(done);
}

i64 remove_from_physmap(Vcpu& v, GVAddr arg) {
    xen_remove_from_physmap x;
    if (!get_guest(v, arg, x)) return -kEFAULT;
    Domain* d = target(v, x.domid);
    if (d == nullptr) return -kESRCH;
    d->p2m.unmap(gfn_addr(x.gpfn), kPageSize);
    return 0;
}

}  // namespace

i64 memory_op(Vcpu& v, u32 cmd, GVAddr arg) {
    constexpr u32 kCmdMask = (1u << 6) - 1;  // MEMOP_EXTENT_SHIFT (a __XEN__-only name): continuation above
    switch (cmd & kCmdMask) {
        case XENMEM_add_to_physmap: return add_to_physmap(v, arg);
        case XENMEM_decrease_reservation:
        case XENMEM_populate_physmap: return reservation(v, cmd & kCmdMask, arg);
        case XENMEM_remove_from_physmap: return remove_from_physmap(v, arg);
        case XENMEM_current_reservation:
        case XENMEM_maximum_reservation: {
            domid_t domid;
            if (!get_guest(v, arg, domid)) return -kEFAULT;
            Domain* d = target(v, domid);
            return d == nullptr ? -kESRCH : static_cast<i64>(d->ram_pages);
        }
        default: return -kENOSYS;
    }
}

}  // namespace hv::hypercall
