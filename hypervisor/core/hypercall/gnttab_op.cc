// grant_table_op: table size and version; map, unmap and copy follow in core/grant.
#include "hv/domain.h"
#include "hv/grant.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {

i64 grant_table_op(Vcpu& v, u32 cmd, GVAddr uop, u32 count) {
    Domain& self = *v.domain;
    switch (cmd) {
        case GNTTABOP_query_size: {
            if (count != 1) return -kEINVAL;
            gnttab_query_size q;
            if (!get_guest(v, uop, q)) return -kEFAULT;
            Domain* d = resolve_domid(self, q.dom);
            if (d == nullptr || (d != &self && !self.privileged)) {
                q.status = GNTST_bad_domain;
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
        case GNTTABOP_setup_table:
            // Auto-translated guests map frames with add_to_physmap; Xen answers this with
            // no frames on Arm, which we mirror.
            return -kENOSYS;
        default: return -kENOSYS;  // cache_flush: -ENOSYS makes Linux bounce (XEN-ABI.md §2.5)
    }
}

}  // namespace hv::hypercall
