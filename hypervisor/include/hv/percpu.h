// Per-physical-CPU state, reached through the arch (TPIDR_EL2 on aarch64).
#pragma once

#include "hv/types.h"

namespace hv {

struct Vcpu;

struct PerCpu {
    static constexpr u32 kMaxCpus = 8;
    static constexpr u32 kMaxRunnable = 32;

    u64 stack_top = 0;              ///< first: vectors.S loads it on every guest exit
    u32 id = 0;
    u64 mpidr = 0;
    bool online = false;
    Vcpu* current = nullptr;        ///< the vCPU running (or last run) here
    Vcpu* runq[kMaxRunnable] = {};  ///< vCPUs placed on this pCPU, round-robin
    u32 nr_runq = 0;
    u32 next = 0;                   ///< round-robin cursor
    Vcpu* owner = nullptr;          ///< sched=null: the one vCPU this pCPU runs (others wait)
    u64 slice_end = 0;              ///< counter value at which the current slice ends
    u64 timer_due = 1;              ///< others' earliest saved timer (0: none; 1: look again)
    u64 exits_sync[64] = {};        ///< guest exits by exception class (debug key 'c')
    u64 exits_irq = 0;
    u64 idle_wakeups = 0;
};

/// This pCPU's state.
PerCpu& this_cpu();
/// pCPU `id`'s state.
PerCpu& cpu(u32 id);
/// pCPUs brought online.
u32 nr_cpus();
void set_nr_cpus(u32 n);

}  // namespace hv
