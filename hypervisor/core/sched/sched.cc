// Round-robin scheduling of vCPUs on their pCPUs: blocking on WFI, time slices, hard affinity,
// domain pause, and CPU-time accounting. With sched=null (static partitioning, as Xen's null
// scheduler) each pCPU is owned by at most one vCPU and runs nothing else, with no time slices;
// vCPUs beyond the free pCPUs wait, queued on an allowed pCPU, until one is freed.
#include "hv/sched.h"

#include "hv/arch/sched.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/vgic.h"

namespace hv::sched {
namespace {

constexpr u64 kSliceMs = 10;
constinit bool g_null_sched = false;  // sched=null: no time slicing

/// Whether pCPU `c` may run `v` now: it may run at all, belongs here and is not loaded on
/// another pCPU (a migrated vCPU is put down there first).
bool runnable_on(const Vcpu* v, const PerCpu& c) {
    return v != nullptr && can_run(*v) && v->pcpu == c.id && (!g_null_sched || c.owner == v) &&
           (v->loaded_on < 0 || v->loaded_on == static_cast<i32>(c.id));
}

/// Wakes blocked vCPUs of `c` whose saved virtual timer has expired; returns the earliest
/// still-pending deadline (0 if none).
u64 check_timers(PerCpu& c, u64 now) {
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

Vcpu* pick(PerCpu& c, u64 now) {
    bool slice_over = c.slice_end != 0 && now >= c.slice_end;
    if (runnable_on(c.current, c) && !slice_over) return c.current;
    for (u32 k = 1; k <= c.nr_runq; ++k) {
        Vcpu* v = c.runq[(c.next + k) % c.nr_runq];
        if (runnable_on(v, c)) {
            c.next = (c.next + k) % c.nr_runq;
            return v;
        }
    }
    return runnable_on(c.current, c) ? c.current : nullptr;
}

/// Charges the time since `v` was last charged.
void charge(Vcpu& v, u64 now) {
    if (v.run_since != 0 && now > v.run_since) v.run_ticks += now - v.run_since;
    v.run_since = now;
}

/// Saves the loaded vCPU of `c` and leaves the pCPU without one (its domain is dying, or it
/// moved to another pCPU, which is told it can load it now).
void put_down_current(PerCpu& c) {
    Vcpu& v = *c.current;
    arch::save_vcpu(v);
    v.loaded_on = -1;
    v.run_since = 0;
    c.current = nullptr;
    if (can_run(v) && v.pcpu != c.id) arch::kick_cpu(v.pcpu);
}

u32 load_of(u32 pcpu) { return cpu(pcpu).nr_runq; }

/// The allowed pCPU for `v` with the fewest vCPUs (only ownerless ones if `free_only`, for
/// sched=null), preferring its soft affinity; -1 if none.
i32 choose_pcpu(const Vcpu& v, bool free_only) {
    u64 allowed = v.hard_affinity & online_mask();
    const u64 masks[] = {allowed & v.soft_affinity, allowed};
    for (u64 mask : masks) {
        i32 best = -1;
        for (u32 p = 0; p < nr_cpus(); ++p) {
            if (((mask >> p) & 1) == 0 || load_of(p) >= PerCpu::kMaxRunnable) continue;
            if (free_only && cpu(p).owner != nullptr) continue;
            if (best < 0 || load_of(p) < load_of(static_cast<u32>(best))) best = static_cast<i32>(p);
        }
        if (best >= 0) return best;
    }
    return -1;
}

/// sched=null: gives the ownerless pCPU `c` to a waiting vCPU allowed there (one already
/// queued on `c` first), moving it over and kicking `c`.
void hand_over(PerCpu& c) {
    if (!g_null_sched || c.owner != nullptr) return;
    for (u32 k = 0; k <= nr_cpus(); ++k) {
        PerCpu& from = k == 0 ? c : cpu(k - 1);
        if (k > 0 && &from == &c) continue;
        for (u32 i = 0; i < from.nr_runq; ++i) {
            Vcpu* w = from.runq[i];
            if (w == from.owner || ((w->hard_affinity >> c.id) & 1) == 0) continue;
            if (&from != &c) {
                remove(*w);
                add(*w, c.id);
            }
            c.owner = w;
            if (w->loaded_on >= 0) arch::kick_cpu(static_cast<u32>(w->loaded_on));
            arch::kick_cpu(c.id);
            return;
        }
    }
}

}  // namespace

void set_null(bool null_sched) { g_null_sched = null_sched; }

bool can_run(const Vcpu& v) {
    const Domain& d = *v.domain;
    return v.state == VcpuState::kRunnable && d.pause_count == 0 && !d.dying && !d.is_shutdown;
}

bool add(Vcpu& v, u32 pcpu) {
    PerCpu& c = cpu(pcpu);
    v.pcpu = pcpu;
    for (u32 i = 0; i < c.nr_runq; ++i)
        if (c.runq[i] == &v) return true;
    if (c.nr_runq >= PerCpu::kMaxRunnable) return false;
    c.runq[c.nr_runq++] = &v;
    c.timer_due = 1;  // its saved timer is not in the last pass's earliest: look again
    if (g_null_sched && c.owner == nullptr) c.owner = &v;
    return true;
}

void remove(Vcpu& v) {
    PerCpu& c = cpu(v.pcpu);
    for (u32 i = 0; i < c.nr_runq; ++i) {
        if (c.runq[i] == &v) {
            c.runq[i] = c.runq[--c.nr_runq];
            c.runq[c.nr_runq] = nullptr;
            if (c.next >= c.nr_runq) c.next = 0;
            break;
        }
    }
    if (c.owner == &v) {
        c.owner = nullptr;
        hand_over(c);
    }
}

u64 online_mask() {
    u32 n = nr_cpus();
    return n >= 64 ? ~u64{0} : (u64{1} << n) - 1;
}

bool place(Vcpu& v) {
    i32 p = choose_pcpu(v, g_null_sched);
    if (p < 0 && g_null_sched) p = choose_pcpu(v, false);  // none free: wait on the least loaded
    return p >= 0 && add(v, static_cast<u32>(p));
}

bool set_affinity(Vcpu& v, u64 hard, u64 soft) {
    if ((hard & online_mask()) == 0) return false;
    u64 old_hard = v.hard_affinity, old_soft = v.soft_affinity;
    v.hard_affinity = hard;
    v.soft_affinity = soft;
    if (((hard >> v.pcpu) & 1) != 0 && (!g_null_sched || cpu(v.pcpu).owner == &v)) return true;
    u32 old = v.pcpu;
    remove(v);
    if (!place(v)) {
        v.hard_affinity = old_hard;
        v.soft_affinity = old_soft;
        add(v, old);
        return false;
    }
    // Its old pCPU puts it down (if loaded there) and kicks the new one.
    if (v.loaded_on >= 0) arch::kick_cpu(static_cast<u32>(v.loaded_on));
    if (can_run(v)) arch::kick_cpu(v.pcpu);
    return true;
}

u64 cpu_time_ns(const Vcpu& v) {
    u64 ticks = v.run_ticks;
    if (v.loaded_on >= 0 && v.run_since != 0 && cpu(static_cast<u32>(v.loaded_on)).current == &v) {
        u64 now = arch::counter();
        if (now > v.run_since) ticks += now - v.run_since;
    }
    u64 hz = arch::counter_hz();
    return ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz;
}

bool unload_domain(const Domain& d) {
    bool clear = true;
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        const Vcpu& v = d.vcpus[i];
        if (v.loaded_on < 0) continue;
        clear = false;
        if (static_cast<u32>(v.loaded_on) != this_cpu().id) arch::kick_cpu(static_cast<u32>(v.loaded_on));
    }
    return clear;
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

/// True when a full pass would keep running the current vCPU and change nothing: it can run,
/// no saved timer of another vCPU here is due, and either its slice is not over or, with no
/// slice timed, no other vCPU here can run (one woken since the last pass takes the full path,
/// which starts a slice). Most exits end here, as most of Xen's never reach its scheduler.
bool keeps_current(const PerCpu& c, u64 now) {
    if (c.current == nullptr || !runnable_on(c.current, c)) return false;
    if (c.timer_due != 0 && now >= c.timer_due) return false;
    if (c.slice_end != 0) return now < c.slice_end;
    for (u32 i = 0; i < c.nr_runq; ++i)
        if (c.runq[i] != c.current && runnable_on(c.runq[i], c)) return false;
    return true;
}

Vcpu& schedule() {
    PerCpu& c = this_cpu();
    // Runs on every exit: one counter read a pass (not one a question).
    u64 now = arch::counter();
    if (c.current != nullptr) charge(*c.current, now);
    if (keeps_current(c, now)) return *c.current;  // the timer programmed last pass stands
    for (;; now = arch::counter()) {
        if (c.current != nullptr && !runnable_on(c.current, c) &&
            (c.current->domain->dying || c.current->pcpu != c.id))
            put_down_current(c);
        u64 timer = check_timers(c, now);
        c.timer_due = timer;
        Vcpu* next = pick(c, now);
        if (next != nullptr) {
            bool switched = next != c.current;
            if (switched) {
                if (c.current != nullptr) {
                    c.current->loaded_on = -1;
                    c.current->run_since = 0;
                }
                arch::switch_vcpu(c.current, *next);
                Vcpu* prev = c.current;
                c.current = next;
                next->loaded_on = static_cast<i32>(c.id);
                ++next->switches_in;
                if (prev != nullptr && can_run(*prev) && prev->pcpu != c.id) arch::kick_cpu(prev->pcpu);
            }
            next->run_since = now;
            u32 others = 0;
            for (u32 i = 0; i < c.nr_runq; ++i) others += runnable_on(c.runq[i], c) && c.runq[i] != next;
            // A slice starts when a vCPU is (re)chosen after the previous one ended; exits in
            // between must not extend it, or a vCPU taking frequent interrupts never yields.
            bool slice_over = c.slice_end != 0 && now >= c.slice_end;
            if (others == 0 || g_null_sched) {
                c.slice_end = 0;
            } else if (switched || c.slice_end == 0 || slice_over) {
                c.slice_end = now + arch::counter_hz() * kSliceMs / 1000;
            }
            u64 deadline = c.slice_end;
            if (timer != 0 && (deadline == 0 || timer < deadline)) deadline = timer;
            arch::set_sched_timer(deadline);
            return *next;
        }
        if (c.current != nullptr) c.current->run_since = 0;  // idle time is nobody's
        c.slice_end = 0;
        arch::set_sched_timer(timer);
        arch::idle_wait();
    }
}

}  // namespace hv::sched
