// Physical GICv3 driver for EL2 (Arm IHI 0069).
#include "gic.h"

#include "hv/panic.h"
#include "sysreg.h"

namespace hv::aarch64::gic {
namespace {

constinit u64 g_gicd = 0;
constinit u64 g_gicr = 0;
constinit u32 g_nr_spis = 0;
constinit u32 g_nr_lrs = 0;

// Distributor registers (§12.9).
constexpr u64 kGicdCtlr = 0x0000, kGicdTyper = 0x0004, kGicdIgroupr = 0x0080,
              kGicdIsenabler = 0x0100, kGicdIcenabler = 0x0180, kGicdIpriorityr = 0x0400,
              kGicdIcfgr = 0x0C00, kGicdIrouter = 0x6000;
constexpr u32 kCtlrRwp = 1u << 31, kCtlrAre = 1u << 4, kCtlrGrp1 = 1u << 1;
// Redistributor registers (§12.10): RD_base then SGI_base at +64 KiB.
constexpr u64 kGicrTyper = 0x0008, kGicrWaker = 0x0014, kSgiBase = 0x10000, kGicrStride = 0x20000;
constexpr u32 kDefaultPriority = 0xa0;

volatile u32& reg32(u64 addr) { return *reinterpret_cast<volatile u32*>(addr); }
volatile u64& reg64(u64 addr) { return *reinterpret_cast<volatile u64*>(addr); }

void wait_rwp() {
    for (u64 i = 0; (reg32(g_gicd + kGicdCtlr) & kCtlrRwp) != 0; ++i)
        if (i > 10000000) panic("GICv3: distributor RWP stuck");
}

u64 my_redistributor() {
    u64 mpidr = HV_READ_SYSREG(mpidr_el1);
    u64 aff = (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 24);
    for (u64 rd = g_gicr;; rd += kGicrStride) {
        u64 typer = reg64(rd + kGicrTyper);
        if ((typer >> 32) == aff) return rd;
        if ((typer & (1u << 4)) != 0) break;  // Last
    }
    panic("GICv3: no redistributor for MPIDR 0x%llx", static_cast<unsigned long long>(mpidr));
}

}  // namespace

void init_distributor(PAddr gicd, PAddr gicr) {
    g_gicd = gicd.raw();
    g_gicr = gicr.raw();
    reg32(g_gicd + kGicdCtlr) = 0;
    wait_rwp();
    u32 lines = (reg32(g_gicd + kGicdTyper) & 0x1f) + 1;
    g_nr_spis = lines * 32 - 32;
    if (g_nr_spis > 988) g_nr_spis = 988;
    for (u32 i = 32; i < 32 + g_nr_spis; i += 32) {
        reg32(g_gicd + kGicdIcenabler + i / 8) = ~0u;
        reg32(g_gicd + kGicdIgroupr + i / 8) = ~0u;  // everything Group 1 (IRQ)
    }
    for (u32 i = 32; i < 32 + g_nr_spis; i += 4)
        reg32(g_gicd + kGicdIpriorityr + i) = kDefaultPriority * 0x01010101u;
    u64 boot_mpidr = HV_READ_SYSREG(mpidr_el1) & 0xff00ffffffull;
    for (u32 i = 32; i < 32 + g_nr_spis; ++i) reg64(g_gicd + kGicdIrouter + 8 * i) = boot_mpidr;
    reg32(g_gicd + kGicdCtlr) = kCtlrAre | kCtlrGrp1;
    wait_rwp();
}

void init_cpu() {
    u64 rd = my_redistributor();
    reg32(rd + kGicrWaker) = reg32(rd + kGicrWaker) & ~2u;  // ProcessorSleep = 0
    for (u64 i = 0; (reg32(rd + kGicrWaker) & 4u) != 0; ++i)  // ChildrenAsleep
        if (i > 10000000) panic("GICv3: redistributor does not wake");
    u64 sgi = rd + kSgiBase;
    reg32(sgi + kGicdIgroupr) = ~0u;
    reg32(sgi + kGicdIcenabler) = ~0u;
    for (u32 i = 0; i < 32; i += 4) reg32(sgi + kGicdIpriorityr + i) = kDefaultPriority * 0x01010101u;
    reg32(sgi + kGicdIsenabler) = (1u << kKickSgi) | (1u << kMaintenancePpi) |
                                  (1u << kHypTimerPpi) | (1u << kVirtTimerPpi);
    // ICC_SRE_EL2 (§12.11.22): SRE, and Enable so that EL1 may use the system registers.
    HV_WRITE_SYSREG(S3_4_C12_C9_5, 0x9);
    isb();
    HV_WRITE_SYSREG(S3_0_C4_C6_0, 0xff);   // ICC_PMR_EL1: let every priority through
    HV_WRITE_SYSREG(S3_0_C12_C12_3, 0);    // ICC_BPR1_EL1
    HV_WRITE_SYSREG(S3_0_C12_C12_4, 0x2);  // ICC_CTLR_EL1: EOImode 1 (drop and deactivate apart)
    HV_WRITE_SYSREG(S3_0_C12_C12_7, 1);    // ICC_IGRPEN1_EL1
    g_nr_lrs = static_cast<u32>(HV_READ_SYSREG(S3_4_C12_C11_1) & 0x1f) + 1;  // ICH_VTR_EL2
    HV_WRITE_SYSREG(S3_4_C12_C11_0, 1);    // ICH_HCR_EL2.En
    for (u32 n = 0; n < g_nr_lrs; ++n) write_lr(n, 0);
    isb();
}

u32 ack() {
    u64 v = HV_READ_SYSREG(S3_0_C12_C12_0);  // ICC_IAR1_EL1
    dsb_sy();
    return static_cast<u32>(v & 0xffffff);
}

void eoi(u32 intid, bool guest_deactivates) {
    HV_WRITE_SYSREG(S3_0_C12_C12_1, intid);  // ICC_EOIR1_EL1: priority drop
    if (!guest_deactivates) HV_WRITE_SYSREG(S3_0_C12_C11_1, intid);  // ICC_DIR_EL1
    isb();
}

void enable_spi(u32 intid, bool enable) {
    if (intid < 32 || intid >= 32 + g_nr_spis) return;
    reg32(g_gicd + (enable ? kGicdIsenabler : kGicdIcenabler) + (intid / 32) * 4) = 1u << (intid % 32);
    if (!enable) wait_rwp();
}

void route_spi(u32 intid, u64 mpidr) {
    if (intid >= 32 && intid < 32 + g_nr_spis)
        reg64(g_gicd + kGicdIrouter + 8 * intid) = mpidr & 0xff00ffffffull;
}

void set_spi_level(u32 intid, bool level) {
    if (intid < 32 || intid >= 32 + g_nr_spis) return;
    volatile u32& cfg = reg32(g_gicd + kGicdIcfgr + (intid / 16) * 4);
    u32 shift = (intid % 16) * 2 + 1;
    cfg = level ? cfg & ~(1u << shift) : cfg | (1u << shift);
}

void send_sgi(u32 sgi, u64 mpidr) {
    // ICC_SGI1R_EL1 (§12.11.25): Aff3 [55:48], Aff2 [39:32], INTID [27:24], Aff1 [23:16],
    // target list [15:0] (one bit per Aff0 value below 16).
    u64 v = ((mpidr >> 32 & 0xff) << 48) | ((mpidr >> 16 & 0xff) << 32) | (u64{sgi} << 24) |
            ((mpidr >> 8 & 0xff) << 16) | (u64{1} << (mpidr & 0xf));
    dsb_ish();
    HV_WRITE_SYSREG(S3_0_C12_C11_5, v);
    isb();
}

u32 nr_spis() { return g_nr_spis; }
u32 nr_lrs() { return g_nr_lrs; }

u64 read_lr(u32 n) {
    switch (n) {
        case 0: return HV_READ_SYSREG(S3_4_C12_C12_0);
        case 1: return HV_READ_SYSREG(S3_4_C12_C12_1);
        case 2: return HV_READ_SYSREG(S3_4_C12_C12_2);
        case 3: return HV_READ_SYSREG(S3_4_C12_C12_3);
        case 4: return HV_READ_SYSREG(S3_4_C12_C12_4);
        case 5: return HV_READ_SYSREG(S3_4_C12_C12_5);
        case 6: return HV_READ_SYSREG(S3_4_C12_C12_6);
        case 7: return HV_READ_SYSREG(S3_4_C12_C12_7);
        default: return 0;
    }
}

void write_lr(u32 n, u64 value) {
    switch (n) {
        case 0: HV_WRITE_SYSREG(S3_4_C12_C12_0, value); break;
        case 1: HV_WRITE_SYSREG(S3_4_C12_C12_1, value); break;
        case 2: HV_WRITE_SYSREG(S3_4_C12_C12_2, value); break;
        case 3: HV_WRITE_SYSREG(S3_4_C12_C12_3, value); break;
        case 4: HV_WRITE_SYSREG(S3_4_C12_C12_4, value); break;
        case 5: HV_WRITE_SYSREG(S3_4_C12_C12_5, value); break;
        case 6: HV_WRITE_SYSREG(S3_4_C12_C12_6, value); break;
        case 7: HV_WRITE_SYSREG(S3_4_C12_C12_7, value); break;
        default: break;
    }
}

}  // namespace hv::aarch64::gic
