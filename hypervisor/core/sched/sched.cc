// Round-robin scheduling of vCPUs on their pCPUs, with blocking on WFI and time slices.
#include "hv/sched.h"

#include "hv/arch/sched.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/vgic.h"

namespace hv::sched {
namespace {

constexpr u64 kSliceMs = 10;
constinit bool g_null_sched = false;  // sched=null: no time slicing

bool runnable(const Vcpu* v) { return v != nullptr && v->state == VcpuState::kRunnable; }

/// Wakes blocked vCPUs of `c` whose saved virtual timer has expired; returns the earliest
/// still-pending deadline (0 if none).
u64 check_timers(PerCpu& c) {
    u64 now = arch::counter();
    u64 earliest = 0;
    for (u32 i = 0; i < c.nr_runq; ++i) {
        Vcpu* v = c.runq[i];
        if (v == c.current) continue;  // its timer is live in hardware
        u64 dl = arch::saved_timer_deadline(*v);
        if (dl == 0) continue;
        if (dl <= now) {
            arch::fire_saved_timer(*v);
        } else if (earliest == 0 || dl < earliest) {
            earliest = dl;
        }
    }
    return earliest;
}

Vcpu* pick(PerCpu& c) {
    bool slice_over = c.slice_end != 0 && arch::counter() >= c.slice_end;
    if (runnable(c.current) && !slice_over) return c.current;
    for (u32 k = 1; k <= c.nr_runq; ++k) {
        Vcpu* v = c.runq[(c.next + k) % c.nr_runq];
        if (runnable(v)) {
            c.next = (c.next + k) % c.nr_runq;
            return v;
        }
    }
    return runnable(c.current) ? c.current : nullptr;
}

}  // namespace

void set_null(bool null_sched) { g_null_sched = null_sched; }

void add(Vcpu& v, u32 pcpu) {
    PerCpu& c = cpu(pcpu);
    v.pcpu = pcpu;
    for (u32 i = 0; i < c.nr_runq; ++i)
        if (c.runq[i] == &v) return;
    if (c.nr_runq < PerCpu::kMaxRunnable) c.runq[c.nr_runq++] = &v;
}

void remove(Vcpu& v) {
    PerCpu& c = cpu(v.pcpu);
    for (u32 i = 0; i < c.nr_runq; ++i) {
        if (c.runq[i] == &v) {
            c.runq[i] = c.runq[--c.nr_runq];
            c.runq[c.nr_runq] = nullptr;
            break;
        }
    }
}

void wake(Vcpu& v) {
    if (v.state == VcpuState::kBlocked) v.state = VcpuState::kRunnable;
    // A vCPU on another pCPU must exit to see what changed (blocked or running there).
    if (v.state == VcpuState::kRunnable && v.pcpu != this_cpu().id) arch::kick_cpu(v.pcpu);
}

void block(Vcpu& v) {
    if (!vgic::has_deliverable(v)) v.state = VcpuState::kBlocked;
}

void yield(Vcpu&) { this_cpu().slice_end = 1; }  // the next schedule() moves on

Vcpu& schedule() {
    PerCpu& c = this_cpu();
    for (;;) {
        u64 timer = check_timers(c);
        Vcpu* next = pick(c);
        if (next != nullptr) {
            bool switched = next != c.current;
            if (switched) {
                arch::switch_vcpu(c.current, *next);
                c.current = next;
                ++next->switches_in;
            }
            u32 others = 0;
            for (u32 i = 0; i < c.nr_runq; ++i) others += runnable(c.runq[i]) && c.runq[i] != next;
            // A slice starts when a vCPU is (re)chosen after the previous one ended; exits in
            // between must not extend it, or a vCPU taking frequent interrupts never yields.
            bool slice_over = c.slice_end != 0 && arch::counter() >= c.slice_end;
            if (others == 0 || g_null_sched) {
                c.slice_end = 0;
            } else if (switched || c.slice_end == 0 || slice_over) {
                c.slice_end = arch::counter() + arch::counter_hz() * kSliceMs / 1000;
            }
            u64 deadline = c.slice_end;
            if (timer != 0 && (deadline == 0 || timer < deadline)) deadline = timer;
            arch::set_sched_timer(deadline);
            return *next;
        }
        c.slice_end = 0;
        arch::set_sched_timer(timer);
        arch::idle_wait();
    }
}

}  // namespace hv::sched
