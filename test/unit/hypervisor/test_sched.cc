// The scheduler through the fake arch: slices, blocking and waking.
#include "arch/host/fake.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/vgic.h"
#include "world.h"

using namespace hv;

namespace {

struct Queue {
    test::TestDomain d{12, 2};
    Queue() {
        PerCpu& c = cpu(0);
        c = PerCpu{};
        sched::set_null(false);
        sched::add(d.vcpu(0), 0);
        sched::add(d.vcpu(1), 0);
        fake::g_state.counter = 1000;
    }
    ~Queue() { cpu(0) = PerCpu{}; }
};

// The fake counter runs at 1 MHz: a 10 ms slice is 10000 ticks.
constexpr u64 kSlice = 10000;

}  // namespace

TEST_CASE("exits inside a slice keep the vCPU; the end of the slice moves to the other") {
    Queue q;
    Vcpu* first = &sched::schedule();
    u64 start = fake::g_state.counter;
    // Frequent exits (timer ticks, hypercalls) before the slice ends must not extend it.
    for (u64 t = 1000; t < kSlice; t += 1000) {
        fake::g_state.counter = start + t;
        REQUIRE(&sched::schedule() == first);
    }
    fake::g_state.counter = start + kSlice;
    Vcpu* second = &sched::schedule();
    CHECK(second != first);
    fake::g_state.counter += kSlice;
    CHECK(&sched::schedule() == first);
}

TEST_CASE("a blocked vCPU is passed over until woken; nothing runnable means idle") {
    Queue q;
    q.d.vcpu(1).state = VcpuState::kBlocked;
    CHECK(&sched::schedule() == &q.d.vcpu(0));
    fake::g_state.counter += 10 * kSlice;
    CHECK(&sched::schedule() == &q.d.vcpu(0));  // alone: no slicing
    sched::wake(q.d.vcpu(1));
    CHECK(q.d.vcpu(1).state == VcpuState::kRunnable);
    fake::g_state.counter += 2 * kSlice;
    Vcpu* v = &sched::schedule();
    fake::g_state.counter += 2 * kSlice;
    Vcpu* w = &sched::schedule();
    CHECK(v != w);  // both get turns
    q.d.vcpu(0).state = VcpuState::kBlocked;
    q.d.vcpu(1).state = VcpuState::kBlocked;
    CHECK_THROWS_AS(sched::schedule(), fake::Halted);  // the fake idle loop stops here
}

TEST_CASE("exits that change nothing skip the full pass, but a local wake still starts a slice") {
    Queue q;
    q.d.vcpu(1).state = VcpuState::kBlocked;
    Vcpu* first = &sched::schedule();
    REQUIRE(first == &q.d.vcpu(0));
    const int switches = fake::g_state.switches;
    for (int i = 0; i < 5; ++i) {  // alone: however long it runs, it keeps the pCPU
        fake::g_state.counter += kSlice;
        REQUIRE(&sched::schedule() == first);
    }
    CHECK(cpu(0).slice_end == 0);
    // Woken on this pCPU by something the running vCPU did (no kick, no interrupt exit):
    // the next exit must start a slice, and its end must hand the pCPU over.
    sched::wake(q.d.vcpu(1));
    fake::g_state.counter += 100;
    REQUIRE(&sched::schedule() == first);
    CHECK(cpu(0).slice_end != 0);
    for (u64 t = 1000; t < kSlice; t += 1000) {
        fake::g_state.counter += 1000;
        REQUIRE(&sched::schedule() == first);
    }
    fake::g_state.counter += kSlice;
    CHECK(&sched::schedule() == &q.d.vcpu(1));
    CHECK(fake::g_state.switches > switches);
}

TEST_CASE("a blocked vCPU's saved timer fires on time while another keeps exiting") {
    Queue q;
    q.d.vcpu(1).state = VcpuState::kBlocked;
    fake::g_state.saved_timers.clear();
    fake::g_state.timers_fired = 0;
    const u64 due = fake::g_state.counter + 3 * kSlice;
    fake::g_state.saved_timers[&q.d.vcpu(1)] = due;
    REQUIRE(&sched::schedule() == &q.d.vcpu(0));
    CHECK(cpu(0).timer_due == due);
    fake::g_state.counter = due - 1;
    REQUIRE(&sched::schedule() == &q.d.vcpu(0));
    CHECK(fake::g_state.timers_fired == 0);
    fake::g_state.counter = due;  // an exit at the deadline: the timer fires, vCPU 1 wakes
    sched::schedule();
    CHECK(fake::g_state.timers_fired == 1);
    CHECK(q.d.vcpu(1).state == VcpuState::kRunnable);
    fake::g_state.saved_timers.clear();
}

TEST_CASE("a vCPU added to a pCPU makes the next exit look at its saved timer") {
    Queue q;
    q.d.vcpu(1).state = VcpuState::kBlocked;
    sched::remove(q.d.vcpu(1));
    fake::g_state.saved_timers.clear();
    fake::g_state.timers_fired = 0;
    REQUIRE(&sched::schedule() == &q.d.vcpu(0));
    REQUIRE(cpu(0).timer_due == 0);
    fake::g_state.saved_timers[&q.d.vcpu(1)] = fake::g_state.counter + 10;
    sched::add(q.d.vcpu(1), 0);
    fake::g_state.counter += 20;
    sched::schedule();
    CHECK(fake::g_state.timers_fired == 1);
    fake::g_state.saved_timers.clear();
}

TEST_CASE("WFI does not block a vCPU with a deliverable interrupt") {
    Queue q;
    Vcpu& v = q.d.vcpu(0);
    for (auto& irq : v.irqs.priv) irq.pending = false;
    sched::block(v);
    CHECK(v.state == VcpuState::kBlocked);
    v.state = VcpuState::kRunnable;
    REQUIRE(vgic::inject(v, 27));  // the timer fired meanwhile
    sched::block(v);
    CHECK(v.state == VcpuState::kRunnable);
}

namespace {

/// sched=null on two pCPUs: a one-vCPU "dom0" owns pCPU 0, as boot places it.
struct NullWorld {
    test::TestDomain d0{13, 1};
    test::TestDomain g{14, 2};
    NullWorld() {
        set_nr_cpus(2);
        cpu(0) = PerCpu{};
        cpu(1) = PerCpu{};
        cpu(1).id = 1;
        sched::set_null(true);
        REQUIRE(sched::add(d0.vcpu(0), 0));
        fake::g_state.counter = 1000;
    }
    ~NullWorld() {
        sched::set_null(false);
        cpu(0) = PerCpu{};
        cpu(1) = PerCpu{};
        set_nr_cpus(1);
    }
};

}  // namespace

TEST_CASE("sched=null: a pCPU runs its one vCPU, with no time slices, and idles when it blocks") {
    NullWorld w;
    REQUIRE(sched::place(w.g.vcpu(0)));
    REQUIRE(sched::place(w.g.vcpu(1)));  // no free pCPU left: it waits
    CHECK(cpu(0).owner == &w.d0.vcpu(0));
    CHECK(cpu(1).owner == &w.g.vcpu(0));
    CHECK(w.g.vcpu(0).pcpu == 1);
    CHECK(cpu(0).nr_runq + cpu(1).nr_runq == 3);  // queued, not lost
    for (int i = 0; i < 20; ++i) {
        REQUIRE(&sched::schedule() == &w.d0.vcpu(0));
        fake::g_state.counter += 10 * kSlice;
    }
    w.d0.vcpu(0).state = VcpuState::kBlocked;  // the waiting vCPU must not take pCPU 0
    CHECK_THROWS_AS(sched::schedule(), fake::Halted);
}

TEST_CASE("sched=null: a freed pCPU goes to a waiting vCPU allowed there") {
    NullWorld w;
    REQUIRE(sched::place(w.g.vcpu(0)));
    REQUIRE(sched::place(w.g.vcpu(1)));
    sched::remove(w.g.vcpu(0));  // its domain is destroyed
    CHECK(cpu(1).owner == &w.g.vcpu(1));
    CHECK(w.g.vcpu(1).pcpu == 1);
    sched::remove(w.g.vcpu(1));
    CHECK(cpu(1).owner == nullptr);
    CHECK(cpu(0).owner == &w.d0.vcpu(0));
}

TEST_CASE("sched=null: pinning moves ownership; a vCPU pinned to an owned pCPU waits there") {
    NullWorld w;
    Vcpu& a = w.d0.vcpu(0);
    Vcpu& b = w.g.vcpu(0);
    REQUIRE(sched::place(b));
    REQUIRE(cpu(1).owner == &b);
    REQUIRE(sched::set_affinity(a, 0b10, ~u64{0}));  // to pCPU 1, which b owns
    CHECK(cpu(0).owner == nullptr);
    CHECK(a.pcpu == 1);
    CHECK(cpu(1).owner == &b);
    REQUIRE(sched::set_affinity(b, 0b01, ~u64{0}));  // b leaves: a gets pCPU 1, b takes pCPU 0
    CHECK(cpu(1).owner == &a);
    CHECK(cpu(0).owner == &b);
    CHECK(b.pcpu == 0);
    CHECK(&sched::schedule() == &b);
    CHECK_FALSE(sched::set_affinity(b, 0b100, ~u64{0}));  // no such pCPU online
    CHECK(cpu(0).owner == &b);
}
