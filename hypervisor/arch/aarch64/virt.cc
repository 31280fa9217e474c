// EL2 virtualisation set-up (HCR_EL2, VTCR_EL2, timers, GIC) and the first guest entry.
#include "hv/arch/virt.h"

#include <libfdt.h>

#include "gic.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/spinlock.h"
#include "irq.h"
#include "lr.h"
#include "smc.h"
#include "platform/pl011.h"
#include "sysreg.h"

extern "C" char _image_start[], _image_end[], boot_stack_top[], secondary_entry[],
    secondary_stacks[], hv_el2_vectors[];
extern "C" void aarch64_enter_guest(hv::arch::GuestRegs* frame);

namespace hv::arch {
namespace {

// HCR_EL2 (Arm ARM D19.2.46): VM, SWIO, FMO, IMO, AMO, FB, BSU=inner, TWI, TWE, TSC, RW.
constexpr u64 kHcrVm = 1u << 0, kHcrSwio = 1u << 1, kHcrFmo = 1u << 3, kHcrImo = 1u << 4,
              kHcrAmo = 1u << 5, kHcrFb = 1u << 9, kHcrBsuIs = 1u << 10, kHcrTwi = 1u << 13,
              kHcrTwe = 1u << 14, kHcrTsc = 1u << 19, kHcrRw = u64{1} << 31;
// VTCR_EL2 (D19.2.146): T0SZ 24 (40-bit IPA), SL0 1 (start at level 1, two concatenated
// tables), inner/outer write-back, inner shareable, 4 KiB granule, PS 40 bits, RES1 bit 31.
constexpr u64 kVtcr = 24 | (1u << 6) | (1u << 8) | (1u << 10) | (3u << 12) | (2u << 16) |
                      (u64{1} << 31);
// CNTHCTL_EL2 (D19.12.2): EL1 may read the physical counter; its physical timer traps.
constexpr u64 kCnthctl = 1u << 0;

constinit u64 g_hcr = 0;
constexpr u64 kSecondaryStack = 16384;  // head.S SECONDARY_STACK_SIZE
constinit u32 g_uart_irq = 0;

u32 find_uart_irq(const BootInfo& info, const void* fdt) {
    if (info.uart.size == 0) return 0;
    int node = -1;
    while ((node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011")) >= 0) {
        int len = 0;
        auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
        auto* irq = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "interrupts", &len));
        if (reg == nullptr || irq == nullptr || len < 12) continue;
        u64 base = (u64{fdt32_to_cpu(reg[0])} << 32) | fdt32_to_cpu(reg[1]);
        if (base == info.uart.base.raw() && fdt32_to_cpu(irq[0]) == 0)
            return fdt32_to_cpu(irq[1]) + 32;  // GIC SPI n is INTID n + 32
    }
    return 0;
}

/// The per-pCPU EL2 configuration for running guests.
void init_cpu_traps() {
    HV_WRITE_SYSREG(vtcr_el2, kVtcr);
    HV_WRITE_SYSREG(cnthctl_el2, kCnthctl);
    HV_WRITE_SYSREG(cntvoff_el2, 0);
    HV_WRITE_SYSREG(vpidr_el2, HV_READ_SYSREG(midr_el1));
    HV_WRITE_SYSREG(hcr_el2, g_hcr);
    aarch64::isb();
}

}  // namespace

u32 start_secondary_cpus(const BootInfo& info) {
    u32 next = 1;
    for (usize i = 0; i < info.nr_cpus && next < PerCpu::kMaxCpus; ++i) {
        u64 mpidr = info.cpu_mpidr[i] & 0xff00ffffffull;
        if (mpidr == cpu(0).mpidr) continue;
        PerCpu& c = cpu(next);
        c.id = next;
        c.mpidr = mpidr;
        c.stack_top = reinterpret_cast<u64>(secondary_stacks) + (next + 1) * kSecondaryStack;
        aarch64::dsb_sy();
        constexpr u64 kPsciCpuOn64 = 0xC4000003;
        i64 rc = static_cast<i64>(aarch64::smc_call(kPsciCpuOn64, mpidr, reinterpret_cast<u64>(secondary_entry), next));
        if (rc != 0) {
            console::print("(tessera) warning: pCPU with MPIDR 0x%llx did not start (PSCI %lld)\n",
                           static_cast<unsigned long long>(mpidr), static_cast<long long>(rc));
            continue;
        }
        for (u64 spin = 0; !__atomic_load_n(&c.online, __ATOMIC_ACQUIRE); ++spin) {
            if (spin > 200000000) {
                console::print("(tessera) warning: pCPU %u did not come online\n", next);
                break;
            }
        }
        if (c.online) ++next;
    }
    set_nr_cpus(next);
    return next;
}

PRange image_range() {
    PAddr start(reinterpret_cast<u64>(_image_start));
    return {start, reinterpret_cast<u64>(_image_end) - start.raw()};
}

bool init_virtualization(const BootInfo& info, const void* fdt, bool trap_wfx) {
    u64 mmfr0 = HV_READ_SYSREG(id_aa64mmfr0_el1);
    if ((mmfr0 & 0xf) < 2) {
        console::print("(tessera) error: the CPU has fewer than 40 physical address bits\n");
        return false;
    }
    PerCpu* boot = &cpu(0);
    boot->id = 0;
    boot->mpidr = HV_READ_SYSREG(mpidr_el1) & 0xff00ffffffull;
    boot->stack_top = reinterpret_cast<u64>(boot_stack_top);
    HV_WRITE_SYSREG(tpidr_el2, reinterpret_cast<u64>(boot));
    g_hcr = kHcrVm | kHcrSwio | kHcrFmo | kHcrImo | kHcrAmo | kHcrFb | kHcrBsuIs | kHcrTsc | kHcrRw;
    if (trap_wfx) g_hcr |= kHcrTwi | kHcrTwe;
    init_cpu_traps();
    aarch64::gic::init_distributor(info.gicd.base, info.gicr.base);
    aarch64::gic::init_cpu();
    boot->online = true;
    g_uart_irq = find_uart_irq(info, fdt);
    if (g_uart_irq != 0) {
        aarch64::irq::set_uart_irq(g_uart_irq);
        platform::pl011_enable_rx_irq();
    }
    return true;
}

u32 uart_irq() { return g_uart_irq; }

u32 host_spis() {
    u32 n = aarch64::gic::nr_spis();
    return n > 960 ? 960 : n;
}

void route_irq_to_domain(u32 intid, Domain& d) {
    aarch64::irq::route_to_domain(intid, d);
    aarch64::gic::set_spi_level(intid, true);
}

void clean_dcache(const void* p, usize len) {
    u64 line = 4u << ((HV_READ_SYSREG(ctr_el0) >> 16) & 0xf);  // CTR_EL0.DminLine
    u64 start = reinterpret_cast<u64>(p) & ~(line - 1);
    for (u64 a = start; a < reinterpret_cast<u64>(p) + len; a += line)
        asm volatile("dc cvac, %0" ::"r"(a) : "memory");
    aarch64::dsb_sy();
}

void run() {
    g_big_lock.lock();
    Vcpu& v = sched::schedule();
    aarch64::lr::load(v);
    g_big_lock.unlock();
    aarch64_enter_guest(&v.arch.regs);
    __builtin_unreachable();
}

}  // namespace hv::arch

namespace hv::aarch64 {
void mmu_enable_this_cpu();
}

/// First C++ code of a secondary pCPU (head.S secondary_entry).
extern "C" [[noreturn]] void aarch64_secondary_main(hv::u64 index) {
    using namespace hv;
    aarch64::mmu_enable_this_cpu();
    HV_WRITE_SYSREG(cptr_el2, 0x33ff);
    HV_WRITE_SYSREG(vbar_el2, reinterpret_cast<u64>(hv_el2_vectors));
    PerCpu& c = cpu(static_cast<u32>(index));
    HV_WRITE_SYSREG(tpidr_el2, reinterpret_cast<u64>(&c));
    arch::init_cpu_traps();
    aarch64::gic::init_cpu();
    __atomic_store_n(&c.online, true, __ATOMIC_RELEASE);
    arch::run();
}
