// Path-length benchmarks for scripts/bench (issue: side-by-side benchmarks), printed as
//   probe-bench: counter-hz <Hz>
//   probe-bench: hypercall ticks min <n> median <n>          (xen_version, null hypercall)
//   probe-bench: timer ticks min <n> median <n> max <n>      (virtual timer to handler entry)
//   probe-bench: done
// Under `-icount shift=0` the counter advances with retired instructions (1 ns each), so the
// figures are deterministic and convertible into instructions (1e9 / counter-hz per tick).
#include "guest.h"

namespace probe {
namespace {

constexpr u32 kRounds = 64;
constexpr u32 kTimerPpi = 27;  // the virtual timer (arch-arm.h GUEST_TIMER_VIRT_PPI)

constinit volatile u64 g_irq_at = 0;
constinit volatile u32 g_irq_seen = 0;

void sort(u64* v, u32 n) {
    for (u32 i = 1; i < n; ++i)
        for (u32 j = i; j > 0 && v[j - 1] > v[j]; --j) {
            u64 t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

void report(const char* what, u64* v, u32 n, bool with_max) {
    sort(v, n);
    write("probe-bench: ");
    write(what);
    write(" ticks min ");
    write_dec(static_cast<i64>(v[0]));
    write(" median ");
    write_dec(static_cast<i64>(v[n / 2]));
    if (with_max) {
        write(" max ");
        write_dec(static_cast<i64>(v[n - 1]));
    }
    write("\n");
}

inline void mmio_write(u64 addr, u32 v) { *reinterpret_cast<volatile u32*>(addr) = v; }
inline u32 mmio_read(u64 addr) { return *reinterpret_cast<volatile u32*>(addr); }

/// GICv3 for one CPU: distributor groups on, this CPU's redistributor awake, the virtual
/// timer's PPI enabled in group 1, the system-register CPU interface on.
bool gic_init(const void* dtb) {
    u64 gicd = dt_reg(dtb, "arm,gic-v3", 0);
    u64 gicr = dt_reg(dtb, "arm,gic-v3", 1);
    if (gicd == 0 || gicr == 0) return false;
    mmio_write(gicd + 0x0, (1u << 4) | (1u << 1) | 1u);  // GICD_CTLR: ARE, Grp1, Grp0
    mmio_write(gicr + 0x14, mmio_read(gicr + 0x14) & ~2u);  // GICR_WAKER.ProcessorSleep
    while ((mmio_read(gicr + 0x14) & 4u) != 0) {}           // ChildrenAsleep
    const u64 sgi = gicr + 0x10000;
    mmio_write(sgi + 0x80, mmio_read(sgi + 0x80) | (1u << kTimerPpi));  // IGROUPR0: group 1
    *reinterpret_cast<volatile unsigned char*>(sgi + 0x400 + kTimerPpi) = 0xa0;  // priority
    mmio_write(sgi + 0x100, 1u << kTimerPpi);  // ISENABLER0
    u64 sre;
    asm volatile("mrs %0, S3_0_C12_C12_5" : "=r"(sre));  // ICC_SRE_EL1
    asm volatile("msr S3_0_C12_C12_5, %0\n isb" ::"r"(sre | 1));
    asm volatile("msr S3_0_C4_C6_0, %0" ::"r"(u64{0xff}));     // ICC_PMR_EL1
    asm volatile("msr S3_0_C12_C12_3, %0" ::"r"(u64{0}));      // ICC_BPR1_EL1
    asm volatile("msr S3_0_C12_C12_7, %0\n isb" ::"r"(u64{1}));  // ICC_IGRPEN1_EL1
    asm volatile("msr daifclr, #2\n isb");
    return true;
}

void bench_hypercall() {
    u64 t[kRounds];
    for (u32 i = 0; i < kRounds; ++i) {
        u64 a = counter();
        hypercall(__HYPERVISOR_xen_version, XENVER_version, 0);
        t[i] = counter() - a;
    }
    report("hypercall", t, kRounds, false);
}

void bench_timer() {
    u64 t[kRounds];
    for (u32 i = 0; i < kRounds; ++i) {
        g_irq_seen = 0;
        u64 deadline = counter() + 2000;  // 32 us at 62.5 MHz
        asm volatile("msr cntv_cval_el0, %0\n msr cntv_ctl_el0, %1\n isb" ::"r"(deadline), "r"(u64{1}));
        while (g_irq_seen == 0) asm volatile("wfi");
        t[i] = g_irq_at - deadline;
    }
    report("timer", t, kRounds, true);
}

}  // namespace

void run_bench(const void* dtb, bool xen) {
    u64 hz;
    asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
    write("probe-bench: counter-hz ");
    write_dec(static_cast<i64>(hz));
    write(xen ? " under a Xen-ABI hypervisor\n" : " native\n");
    if (xen) bench_hypercall();
    if (gic_init(dtb)) {
        bench_timer();
    } else {
        write("probe-bench: no GICv3 in the device tree: no timer figures\n");
    }
    write("probe-bench: done\n");
}

}  // namespace probe

/// IRQ entry (head.S): `at` is the counter read by the handler's first instruction.
extern "C" void probe_irq(probe::u64 at) {
    probe::u64 iar;
    asm volatile("mrs %0, S3_0_C12_C12_0" : "=r"(iar));  // ICC_IAR1_EL1
    if ((iar & 0xffffff) == probe::kTimerPpi) {
        asm volatile("msr cntv_ctl_el0, %0\n isb" ::"r"(probe::u64{0}));
        probe::g_irq_at = at;
        probe::g_irq_seen = 1;
    }
    if ((iar & 0xffffff) < 1020) asm volatile("msr S3_0_C12_C12_1, %0\n isb" ::"r"(iar));  // EOIR1
}
