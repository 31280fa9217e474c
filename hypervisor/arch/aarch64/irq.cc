// Physical interrupt handling: the hypervisor's own (timers, UART, kicks) and forwarding of
// devices' SPIs to the domain that owns them.
#include "irq.h"

#include "gic.h"
#include "hv/arch/sched.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/spinlock.h"
#include "hv/vgic.h"
#include "hv/vgic_mmio.h"
#include "platform/pl011.h"
#include "sysreg.h"

namespace hv::aarch64::irq {
namespace {

constexpr u32 kMaxIntid = 1020;
constinit u16 g_owner[kMaxIntid] = {};  // domain id + 1 owning each SPI; 0 = none
constinit u32 g_uart_irq = 0;

void on_virt_timer(PerCpu& c) {
    // The running vCPU's CNTV fired: mask it so it stops asserting, and give the guest the
    // virtual PPI; the guest unmasks when it re-arms (Xen's vtimer does the same).
    HV_WRITE_SYSREG(cntv_ctl_el0, HV_READ_SYSREG(cntv_ctl_el0) | 2);
    isb();
    if (c.current != nullptr) vgic::inject(*c.current, gic::kVirtTimerPpi);
}

void on_spi(u32 intid) {
    u16 owner = g_owner[intid];
    Domain* d = owner != 0 ? domain_by_id(static_cast<u16>(owner - 1)) : nullptr;
    vgic::Irq* virq = nullptr;
    Vcpu* target = d != nullptr ? vgic::spi_target(*d, intid) : nullptr;
    if (target != nullptr) virq = vgic::irq_of(*target, intid);
    if (virq == nullptr) {
        gic::eoi(intid, false);
        return;
    }
    vgic::inject(*target, intid);
    gic::eoi(intid, true);  // priority drop only: the guest deactivates through the LR
}

void hw_enable(u32 intid, bool enable) { gic::enable_spi(intid, enable); }

}  // namespace

void route_to_domain(u32 intid, Domain& d) {
    if (intid < 32 || intid >= kMaxIntid || intid == g_uart_irq) return;
    g_owner[intid] = static_cast<u16>(d.id + 1);
    if (vgic::Irq* irq = intid - 32 < d.dist.nr_spis ? &d.dist.spis[intid - 32] : nullptr)
        irq->hw_intid = intid;
    vgic::g_hw_enable_hook = hw_enable;
}

void set_uart_irq(u32 intid) {
    g_uart_irq = intid;
    gic::set_spi_level(intid, true);
    gic::enable_spi(intid, true);
}

void handle_pending() {
    PerCpu& c = this_cpu();
    for (;;) {
        u32 intid = gic::ack();
        if (intid >= gic::kSpurious) return;
        if (intid == gic::kVirtTimerPpi) {
            on_virt_timer(c);
            gic::eoi(intid, false);
        } else if (intid == g_uart_irq && intid != 0) {
            char ch;
            while (platform::pl011_getc(ch)) console::receive(ch);
            if (console::g_input_hook != nullptr) console::g_input_hook();
            gic::eoi(intid, false);
        } else if (intid >= 32) {
            on_spi(intid);
        } else {
            // The scheduler tick, kicks and maintenance only force this exit; scheduling and
            // list-register refills happen on the way back to a guest.
            if (intid == gic::kHypTimerPpi) arch::set_sched_timer(0);
            gic::eoi(intid, false);
        }
    }
}

}  // namespace hv::aarch64::irq

namespace hv::arch {

void idle_wait() {
    g_big_lock.unlock();
    asm volatile("dsb sy\n wfi" ::: "memory");  // IRQs stay masked: WFI still wakes on them
    g_big_lock.lock();
    ++this_cpu().idle_wakeups;
    aarch64::irq::handle_pending();
}

void kick_cpu(u32 pcpu) { aarch64::gic::send_sgi(aarch64::gic::kKickSgi, cpu(pcpu).mpidr); }

}  // namespace hv::arch
