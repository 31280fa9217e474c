// The scheduler through the fake arch: slices, blocking and waking.
#include "arch/host/fake.h"
#include "hv/percpu.h"
#include "hv/sched.h"
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

TEST_CASE("WFI does not block a vCPU with a deliverable interrupt") {
    Queue q;
    Vcpu& v = q.d.vcpu(0);
    for (auto& irq : v.irqs.priv) irq.pending = false;
    sched::block(v);
    CHECK(v.state == VcpuState::kBlocked);
    v.state = VcpuState::kRunnable;
    v.irqs.priv[27].pending = true;  // the timer fired meanwhile
    sched::block(v);
    CHECK(v.state == VcpuState::kRunnable);
}

TEST_CASE("sched=null: no time slices") {
    Queue q;
    sched::set_null(true);
    Vcpu* first = &sched::schedule();
    fake::g_state.counter += 100 * kSlice;
    CHECK(&sched::schedule() == first);
    sched::set_null(false);
}
