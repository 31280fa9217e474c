// What the scheduler needs from the architecture.
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
}

namespace hv::arch {

/// Loads `to`'s EL1, FP, timer and GIC state on this pCPU, saving `from`'s (may be null).
void switch_vcpu(Vcpu* from, Vcpu& to);
/// Saves the loaded vCPU `v`'s EL1, FP, timer and GIC state (it stops being loaded).
void save_vcpu(Vcpu& v);
/// Waits for an interrupt with the big lock released, then handles what arrived.
void idle_wait();
/// Asks pCPU `pcpu` to look at its run queue.
void kick_cpu(u32 pcpu);
/// The physical counter (CNTPCT_EL0) and its frequency.
u64 counter();
u64 counter_hz();
/// Arms this pCPU's scheduler timer for counter value `deadline` (0: disarm).
void set_sched_timer(u64 deadline);
/// For a vCPU whose timer state is saved: the physical counter value at which its virtual
/// timer fires, or 0 if it is not armed.
u64 saved_timer_deadline(const Vcpu& v);
/// Delivers a saved vCPU's expired virtual timer (injects its PPI).
void fire_saved_timer(Vcpu& v);

}  // namespace hv::arch
