// Scheduling hooks core code calls when vCPU state changes.
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
}

namespace hv::sched {

/// Makes a blocked vCPU runnable (an interrupt arrived) and nudges its pCPU.
void wake(Vcpu& v);

/// Blocks the current vCPU until an interrupt is deliverable.
void block(Vcpu& v);

/// Gives up the rest of the current time slice.
void yield(Vcpu& v);

/// sched=null: vCPUs keep their pCPU until they block (no time slices).
void set_null(bool null_sched);

/// Places `v` on pCPU `pcpu`'s run queue.
void add(Vcpu& v, u32 pcpu);
/// Takes `v` off its run queue.
void remove(Vcpu& v);

/// Chooses what this pCPU runs next (idling until something is runnable) and loads it.
Vcpu& schedule();

}  // namespace hv::sched
