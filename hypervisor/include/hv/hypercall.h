// Xen hypercalls (HVC #0xEA1, number in x16, arguments in x0-x4, result in x0): one declarative
// table of typed handlers drives dispatch and discovery (ARCHITECTURE.md pattern 6).
#pragma once

#include "hv/addr.h"

namespace hv {
struct Vcpu;
}

namespace hv::hypercall {

/// Runs the hypercall held in `v`'s registers and writes its result to x0.
void dispatch(Vcpu& v);

/// The name of hypercall `nr`, or nullptr if the table has no handler for it.
const char* name(u64 nr);

// The typed handlers, one per hypercall (core/hypercall/*.cc). Results are >= 0 on success,
// negative Xen errnos on failure.
i64 xen_version(Vcpu& v, u32 cmd, GVAddr arg);
i64 console_io(Vcpu& v, u32 cmd, u32 count, GVAddr buf);
i64 memory_op(Vcpu& v, u32 cmd, GVAddr arg);
i64 vcpu_op(Vcpu& v, u32 cmd, u32 vcpuid, GVAddr arg);
i64 sched_op(Vcpu& v, u32 cmd, GVAddr arg);
i64 event_channel_op(Vcpu& v, u32 cmd, GVAddr arg);
i64 grant_table_op(Vcpu& v, u32 cmd, GVAddr uop, u32 count);
i64 hvm_op(Vcpu& v, u32 op, GVAddr arg);
i64 platform_op(Vcpu& v, GVAddr arg);
i64 vm_assist(Vcpu& v, u32 cmd, u32 type);
i64 physdev_op(Vcpu& v, u32 cmd, GVAddr arg);
i64 domctl(Vcpu& v, GVAddr arg);
i64 sysctl(Vcpu& v, GVAddr arg);

}  // namespace hv::hypercall
