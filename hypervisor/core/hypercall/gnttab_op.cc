// grant_table_op: table size and version; map, unmap and copy follow in core/grant.
#include "hv/domain.h"
#include "hv/grant.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

constexpr u32 kMaxBatch = 512;  // ops per hypercall (Linux batches 16 for copy)

/// Runs `f` on each of `count` structs of type T at `uop`, writing each back. Per-op failures
/// go in the structs' status; the call itself fails only for unreadable arguments.
template <typename T, typename F>
i64 batch(Vcpu& v, GVAddr uop, u32 count, F&& f) {
    if (count > kMaxBatch) return -kEINVAL;
    for (u32 i = 0; i < count; ++i) {
        T op;
        GVAddr at = uop + u64{i} * sizeof(T);
        if (!get_guest(v, at, op)) return -kEFAULT;
        f(op);
        if (!put_guest(v, at, op)) return -kEFAULT;
    }
    return 0;
}

grant::CopySide side_of(const decltype(gnttab_copy::source)& p, bool is_gref) {
    grant::CopySide s;
    s.is_gref = is_gref;
    s.domid = p.domid;
    s.ref_or_gfn = is_gref ? p.u.ref : p.u.gmfn;
    s.offset = p.offset;
    return s;
}

}  // namespace

i64 grant_table_op(Vcpu& v, u32 cmd, GVAddr uop, u32 count) {
    Domain& self = *v.domain;
    switch (cmd) {
        case GNTTABOP_query_size: {
            if (count != 1) return -kEINVAL;
            gnttab_query_size q;
            if (!get_guest(v, uop, q)) return -kEFAULT;
            Domain* d = resolve_domid(self, q.dom);
            if (d == nullptr) {
                q.status = GNTST_bad_domain;
            } else if (d != &self && !self.privileged) {
                q.status = GNTST_permission_denied;  // Xen's XSM_TARGET check
            } else {
                q.nr_frames = d->gnttab.nr_frames;
                q.max_nr_frames = d->gnttab.max_frames;
                q.status = GNTST_okay;
            }
            return put_guest(v, uop, q) ? 0 : -kEFAULT;
        }
        case GNTTABOP_set_version: {
            if (count != 1) return -kEINVAL;
            gnttab_set_version sv;
            if (!get_guest(v, uop, sv)) return -kEFAULT;
            if (sv.version != 1) return -kEINVAL;  // Xen on Arm: v1 only
            return 0;
        }
        case GNTTABOP_get_version: {
            gnttab_get_version gv;
            if (!get_guest(v, uop, gv)) return -kEFAULT;
            gv.version = 1;
            return put_guest(v, uop, gv) ? 0 : -kEFAULT;
        }
        case GNTTABOP_map_grant_ref:
            return batch<gnttab_map_grant_ref>(v, uop, count, [&](gnttab_map_grant_ref& op) {
                // Arm guests map into their physical address space only (XEN-ABI.md §3.3).
                constexpr u32 kForbidden = GNTMAP_device_map | GNTMAP_application_map |
                                           GNTMAP_contains_pte;
                if ((op.flags & GNTMAP_host_map) == 0 || (op.flags & kForbidden) != 0 ||
                    (op.host_addr & (kPageSize - 1)) != 0) {
                    op.status = GNTST_general_error;
                    return;
                }
                grant::MapRequest req{op.dom, op.ref, (op.flags & GNTMAP_readonly) != 0};
                u32 handle = 0;
                u64 bus = 0;
                op.status = static_cast<int16_t>(
                    grant::map(self, req, op.host_addr >> kPageShift, handle, bus));
                if (op.status == GNTST_okay) {
                    op.handle = handle;
                    op.dev_bus_addr = bus;
                }
            });
        case GNTTABOP_unmap_grant_ref:
            return batch<gnttab_unmap_grant_ref>(v, uop, count, [&](gnttab_unmap_grant_ref& op) {
                op.status = static_cast<int16_t>(
                    grant::unmap(self, op.handle, op.host_addr >> kPageShift));
            });
        case GNTTABOP_copy:
            return batch<gnttab_copy>(v, uop, count, [&](gnttab_copy& op) {
                op.status = static_cast<int16_t>(grant::copy(
                    self, side_of(op.source, (op.flags & GNTCOPY_source_gref) != 0),
                    side_of(op.dest, (op.flags & GNTCOPY_dest_gref) != 0), op.len));
            });
        case GNTTABOP_setup_table:
            // Auto-translated guests map frames with add_to_physmap; Xen answers this with
            // no frames on Arm, which we mirror.
            return -kENOSYS;
        default: return -kENOSYS;  // cache_flush: -ENOSYS makes Linux bounce (XEN-ABI.md §2.5)
    }
}

}  // namespace hv::hypercall
