// The fake arch's vCPU operations for host tests: registers live in memory, guest virtual
// addresses equal guest-physical ones, scheduling hooks only count.
#include "arch/host/fake.h"
#include "hv/arch/sched.h"
#include "hv/arch/vcpu.h"
#include "hv/arch/virt.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/guest_access.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/xen_abi.h"

namespace hv {

PerCpu& this_cpu() { return cpu(0); }

}  // namespace hv

namespace hv::arch {

u64 reg(const Vcpu& v, unsigned n) { return n < 31 ? v.arch.regs.x[n] : 0; }
void set_reg(Vcpu& v, unsigned n, u64 value) {
    if (n < 31) v.arch.regs.x[n] = value;
}
void reset_vcpu(Vcpu& v, u64 pc, u64 arg) {
    v.arch.regs = GuestRegs{};
    v.arch.regs.pc = pc;
    v.arch.regs.x[0] = arg;
}

bool translate_gva(Vcpu&, GVAddr va, bool, IPAddr& out) {
    out = IPAddr(va.raw());
    return true;
}

void switch_vcpu(Vcpu*, Vcpu&) { ++fake::g_state.switches; }
void save_vcpu(Vcpu&) {}
void idle_wait() { throw fake::Halted{}; }
void kick_cpu(u32) { ++fake::g_state.kicks; }
u64 counter() { return fake::g_state.counter; }
u64 counter_hz() { return 1000000; }
void set_sched_timer(u64) {}
u64 saved_timer_deadline(const Vcpu& v) {
    auto it = fake::g_state.saved_timers.find(&v);
    return it == fake::g_state.saved_timers.end() ? 0 : it->second;
}
void fire_saved_timer(Vcpu& v) {  // as the real arch: the timer's interrupt wakes the vCPU
    fake::g_state.saved_timers.erase(&v);
    ++fake::g_state.timers_fired;
    sched::wake(v);
}

PRange image_range() { return {PAddr(0x40200000), 0x100000}; }
u32 start_secondary_cpus(const BootInfo&) { return 1; }
bool init_virtualization(const BootInfo&, const void*, bool) {
    console::print("(tessera) error: the fake arch cannot run guests\n");
    return false;
}
void route_irq_to_domain(u32, Domain&) {}
u32 uart_irq() { return 33; }
u32 host_spis() { return 256; }
void clean_dcache(const void*, usize) {}
void run() { throw fake::Halted{}; }

}  // namespace hv::arch

namespace hv::arch {

void load_context(Vcpu& v, const vcpu_guest_context& ctx) {
    const u64* x = &ctx.user_regs.x0;
    for (unsigned i = 0; i < 31; ++i) v.arch.regs.x[i] = x[i];
    v.arch.regs.pc = ctx.user_regs.pc64;
    v.arch.regs.pstate = ctx.user_regs.cpsr;
}

void store_context(const Vcpu& v, vcpu_guest_context& ctx) {
    ctx = vcpu_guest_context{};
    u64* x = &ctx.user_regs.x0;
    for (unsigned i = 0; i < 31; ++i) x[i] = v.arch.regs.x[i];
    ctx.user_regs.pc64 = v.arch.regs.pc;
    ctx.user_regs.cpsr = v.arch.regs.pstate;
    if (v.state != VcpuState::kOffline) ctx.flags |= VGCF_online;
}

}  // namespace hv::arch
