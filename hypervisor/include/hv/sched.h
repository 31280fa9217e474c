// Scheduling hooks core code calls when vCPU state changes.
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
struct Domain;
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

/// Places `v` on pCPU `pcpu`'s run queue; false if that queue is full.
bool add(Vcpu& v, u32 pcpu);
/// Takes `v` off its run queue.
void remove(Vcpu& v);

/// Places a new vCPU on the least loaded pCPU its affinity allows; false if every allowed
/// queue is full.
bool place(Vcpu& v);

/// Sets `v`'s hard and soft affinity (bit n = pCPU n), moving it to an allowed pCPU if its
/// current one is not. Returns false (changing nothing) if `hard` has no online pCPU.
bool set_affinity(Vcpu& v, u64 hard, u64 soft);

/// The pCPUs online, as an affinity mask.
u64 online_mask();

/// Whether `v` may run now: runnable, its domain neither paused, shut down nor dying.
bool can_run(const Vcpu& v);

/// Nanoseconds `v` has spent on a pCPU.
u64 cpu_time_ns(const Vcpu& v);

/// Asks every pCPU that has a vCPU of `d` loaded to put it down; true if none has one now.
bool unload_domain(const Domain& d);

/// Chooses what this pCPU runs next (idling until something is runnable) and loads it.
Vcpu& schedule();

}  // namespace hv::sched
