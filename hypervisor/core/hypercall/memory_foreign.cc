// memory_op calls that map another domain's pages into the caller: privcmd's foreign mapping
// (XENMEM_add_to_physmap_batch) and resource mapping (XENMEM_acquire_resource). Only dom0.
#include "hv/domain.h"
#include "hv/domain_mem.h"
#include "hv/grant.h"
#include "hv/guest_access.h"
#include "hv/memory_ops.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {
constexpr u32 kMaxResourceFrames = 64;  // grant frames are at most grant::kMaxFrames
}

i64 add_to_physmap_batch(Vcpu& v, GVAddr arg) {
    xen_add_to_physmap_batch b;
    if (!get_guest(v, arg, b)) return -kEFAULT;
    auto [d, err] = memory_target(v, b.domid);
    if (d == nullptr) return err;
    if (b.space != XENMAPSPACE_gmfn_foreign) return -kEOPNOTSUPP;
    if (!v.domain->privileged) return -kEPERM;
    Domain* owner = domain_by_id(b.u.foreign_domid);
    if (owner == nullptr || owner->dying) return -kESRCH;
    if (owner == d) return -kEINVAL;
    GVAddr idxs(reinterpret_cast<u64>(b.idxs.p)), gpfns(reinterpret_cast<u64>(b.gpfns.p)),
        errs(reinterpret_cast<u64>(b.errs.p));
    for (u32 i = 0; i < b.size; ++i) {
        xen_ulong_t idx;
        xen_pfn_t gpfn;
        if (!get_guest(v, idxs + i * sizeof idx, idx) || !get_guest(v, gpfns + i * sizeof gpfn, gpfn))
            return -kEFAULT;
        int err = static_cast<int>(dmem::map_foreign(*d, gpfn, *owner, idx));
        if (!put_guest(v, errs + i * sizeof err, err)) return -kEFAULT;
    }
    return 0;
}

i64 acquire_resource(Vcpu& v, GVAddr arg) {
    xen_mem_acquire_resource r;
    if (!get_guest(v, arg, r)) return -kEFAULT;
    if (r.pad != 0) return -kEINVAL;
    Domain* owner = resolve_domid(*v.domain, r.domid);
    if (owner == nullptr) return -kESRCH;
    if (owner != v.domain && !v.domain->privileged) return -kEPERM;
    if (r.type != XENMEM_resource_grant_table) return -kEOPNOTSUPP;
    if (r.id != XENMEM_resource_grant_table_id_shared) return -kEINVAL;  // v1: no status frames
    u32 max = owner->gnttab.max_frames < grant::kMaxFrames ? owner->gnttab.max_frames : grant::kMaxFrames;
    if (r.nr_frames == 0) {  // a size query
        r.nr_frames = max;
        return put_guest(v, arg, r) ? 0 : -kEFAULT;
    }
    if (r.nr_frames > kMaxResourceFrames || r.frame >= max || r.nr_frames > max - r.frame)
        return -kEINVAL;
    GVAddr list(reinterpret_cast<u64>(r.frame_list.p));
    for (u32 i = 0; i < r.nr_frames; ++i) {
        xen_pfn_t gfn;
        if (!get_guest(v, list + i * sizeof gfn, gfn)) return -kEFAULT;
        PAddr f = grant::frame(*owner, static_cast<u32>(r.frame + i));
        if (f.raw() == 0) return -kENOMEM;
        if (i64 rc = dmem::map_foreign_page(*v.domain, gfn, f); rc != 0) return i == 0 ? rc : -5;  // -EIO: partly mapped
    }
    return 0;
}

}  // namespace hv::hypercall
