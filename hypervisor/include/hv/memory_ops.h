// memory_op pieces shared between core/hypercall/memory_*.cc.
#pragma once

#include "hv/addr.h"

namespace hv {
struct Domain;
struct Vcpu;
}

namespace hv::hypercall {

/// The domain a memory_op from `v` acts on: itself, or any domain for dom0. On failure `d` is
/// null and `err` says why, as Xen's lookup then XSM_TARGET check: -ESRCH for no such domain,
/// -EPERM for another domain's memory.
struct MemoryTarget {
    Domain* d;
    i64 err;
};
MemoryTarget memory_target(Vcpu& v, u16 domid);

/// XENMEM_add_to_physmap_batch with XENMAPSPACE_gmfn_foreign (privcmd MMAPBATCH_V2).
i64 add_to_physmap_batch(Vcpu& v, GVAddr arg);
/// XENMEM_acquire_resource for grant-table frames (privcmd MMAP_RESOURCE).
i64 acquire_resource(Vcpu& v, GVAddr arg);

}  // namespace hv::hypercall
