// GICv3 distributor and redistributor emulation over the vGIC state model.
#include "hv/vgic_mmio.h"

#include "hv/domain.h"
#include "hv/sched.h"
#include "hv/vgic.h"

namespace hv::vgic {

void (*g_hw_enable_hook)(u32 hw_intid, bool enable) = nullptr;

namespace {

using mmio::Access;
using mmio::Result;

// Which aspect of an interrupt a per-IRQ register range reads or writes.
enum class Field : u8 { kGroup, kEnSet, kEnClr, kPendSet, kPendClr, kActSet, kActClr, kPrio, kCfg };

/// A range of per-interrupt registers: `bits` bits per INTID, starting at INTID `first`.
struct IrqRange {
    u32 offset;
    u32 length;
    u8 bits;
    Field field;
};

// GICD per-IRQ registers (GICv3 §12.9, Table 12-25). INTIDs 0-31 of the distributor are RAZ/WI
// when affinity routing is on, so the distributor ranges start at INTID 32 (handled in access).
constexpr IrqRange kDistRanges[] = {
    {0x0080, 0x80, 1, Field::kGroup},  {0x0100, 0x80, 1, Field::kEnSet},
    {0x0180, 0x80, 1, Field::kEnClr},  {0x0200, 0x80, 1, Field::kPendSet},
    {0x0280, 0x80, 1, Field::kPendClr}, {0x0300, 0x80, 1, Field::kActSet},
    {0x0380, 0x80, 1, Field::kActClr}, {0x0400, 0x400, 8, Field::kPrio},
    {0x0C00, 0x100, 2, Field::kCfg},
};
// GICR SGI_base per-IRQ registers for INTIDs 0-31 (GICv3 §12.10, Table 12-27).
constexpr IrqRange kSgiRanges[] = {
    {0x0080, 4, 1, Field::kGroup},   {0x0100, 4, 1, Field::kEnSet},  {0x0180, 4, 1, Field::kEnClr},
    {0x0200, 4, 1, Field::kPendSet}, {0x0280, 4, 1, Field::kPendClr}, {0x0300, 4, 1, Field::kActSet},
    {0x0380, 4, 1, Field::kActClr},  {0x0400, 32, 8, Field::kPrio},  {0x0C00, 8, 2, Field::kCfg},
};

constexpr u32 kPidr2 = 0xFFE8;
constexpr u32 kPidr2GicV3 = 0x3b;  // ArchRev 3 (bits 7:4), JEDEC bits as Arm's GIC-600
constexpr u32 kIidr = 0x0300043B;  // implementer Arm (0x43B)

u64 read_field(const Irq& irq, Field f) {
    switch (f) {
        case Field::kGroup: return irq.group1;
        case Field::kEnSet:
        case Field::kEnClr: return irq.enabled;
        case Field::kPendSet:
        case Field::kPendClr: return irq.pending;
        case Field::kActSet:
        case Field::kActClr: return irq.active;
        case Field::kPrio: return irq.priority;
        case Field::kCfg: return irq.level ? 0 : 2;
    }
    return 0;
}

void write_field(Vcpu& v, u32 intid, Irq& irq, Field f, u64 val) {
    bool set = (val & 1) != 0;
    switch (f) {
        case Field::kGroup: irq.group1 = set; break;
        case Field::kEnSet:
            if (set && !irq.enabled) {
                irq.enabled = true;
                if (irq.hw_intid != 0 && g_hw_enable_hook) g_hw_enable_hook(irq.hw_intid, true);
                if (irq.pending) vgic::inject(v, intid);
            }
            break;
        case Field::kEnClr:
            if (set && irq.enabled) {
                irq.enabled = false;
                if (irq.hw_intid != 0 && g_hw_enable_hook) g_hw_enable_hook(irq.hw_intid, false);
            }
            break;
        case Field::kPendSet:
            if (set) vgic::inject(v, intid);
            break;
        case Field::kPendClr:
            if (set) irq.pending = false;
            break;
        case Field::kActSet:
            if (set) {
                irq.active = true;
                vgic::mark(v, intid);
            }
            break;
        case Field::kActClr:
            if (set) irq.active = false;
            break;
        case Field::kPrio: irq.priority = static_cast<u8>(val & 0xf8); break;  // 5 priority bits
        case Field::kCfg:
            if (intid >= 16) irq.level = (val & 2) == 0;  // SGIs are always edge
            break;
    }
}

/// Reads or writes the per-IRQ registers of `ranges` for the INTIDs starting at `first_intid`.
Result irq_regs(Vcpu& v, const IrqRange* ranges, usize n, u32 first_intid, Access& a, bool& hit) {
    for (usize i = 0; i < n; ++i) {
        const IrqRange& r = ranges[i];
        if (a.offset < r.offset || a.offset >= r.offset + r.length) continue;
        hit = true;
        bool byte_ok = r.bits == 8;
        if (!(a.size == 4 || (byte_ok && a.size == 1))) return Result::kUnhandled;
        u32 bit0 = static_cast<u32>((a.offset - r.offset) * 8);
        u32 count = a.size * 8 / r.bits;
        u64 mask = (u64{1} << r.bits) - 1;
        u64 out = 0;
        for (u32 k = 0; k < count; ++k) {
            u32 intid = first_intid + (bit0 / r.bits) + k;
            Irq* irq = irq_of(v, intid);
            if (irq == nullptr) continue;  // beyond the modelled SPIs: RAZ/WI
            if (a.write) {
                u64 field = (a.value >> (k * r.bits)) & mask;
                bool one_bit_sc = r.bits == 1 && r.field != Field::kGroup;
                if (!one_bit_sc || field != 0) write_field(v, intid, *irq, r.field, field);
            } else {
                out |= (read_field(*irq, r.field) & mask) << (k * r.bits);
            }
        }
        if (!a.write) a.value = out;
        return Result::kHandled;
    }
    return Result::kHandled;
}

Result dist_access(Vcpu& v, void*, Access& a) {
    Domain& d = *v.domain;
    constexpr u64 kIrouter = 0x6000;
    if (a.offset >= kIrouter + 8 * 32 && a.offset < kIrouter + 8 * 1020) {
        if (a.size != 8 && a.size != 4) return Result::kUnhandled;
        u32 intid = static_cast<u32>((a.offset - kIrouter) / 8);
        Irq* irq = irq_of(v, intid);
        if (irq == nullptr) {
            if (!a.write) a.value = 0;
            return Result::kHandled;
        }
        bool high = (a.offset & 4) != 0;
        constexpr u64 kRouteMask = 0xff00ffffffull | (u64{1} << 31);
        if (a.write) {
            u64 v64 = a.size == 8 ? a.value : high ? (a.value << 32) | (irq->route & 0xffffffff)
                                                   : (irq->route & ~u64{0xffffffff}) | a.value;
            irq->route = v64 & kRouteMask;
        } else {
            a.value = a.size == 8 ? irq->route : high ? irq->route >> 32 : irq->route & 0xffffffff;
        }
        return Result::kHandled;
    }
    if (a.offset == kPidr2) {
        if (!a.write) a.value = kPidr2GicV3;
        return Result::kHandled;
    }
    bool hit = false;
    if (a.offset >= 0x80 && a.offset < 0x0D00) {
        // INTIDs 0-31 live in the redistributors: the first word of each range is RAZ/WI.
        for (const IrqRange& r : kDistRanges) {
            if (a.offset >= r.offset && a.offset < r.offset + 32 * r.bits / 8) {
                if (!a.write) a.value = 0;
                return Result::kHandled;
            }
        }
        Result res = irq_regs(v, kDistRanges, sizeof kDistRanges / sizeof *kDistRanges, 0, a, hit);
        if (hit) return res;
    }
    if (a.size != 4) return Result::kUnhandled;
    switch (a.offset) {
        case 0x0000:  // CTLR: non-secure view; ARE_NS is RAO/WI, RWP reads 0
            if (a.write) {
                d.dist.enabled_grp1 = (a.value & 3) != 0;
            } else {
                a.value = (1u << 4) | (d.dist.enabled_grp1 ? 3u : 0u);
            }
            return Result::kHandled;
        case 0x0004:  // TYPER: ITLinesNumber, IDbits = 9 (10-bit INTIDs), no LPIs, no security
            if (!a.write) a.value = (((d.dist.nr_spis + 32) / 32) - 1) | (9u << 19);
            return Result::kHandled;
        case 0x0008:
            if (!a.write) a.value = kIidr;
            return Result::kHandled;
        default:  // TYPER2, STATUSR, SETSPI, IGRPMODR, NSACR, ...: RAZ/WI
            if (!a.write) a.value = 0;
            return Result::kHandled;
    }
}

Result redist_access(Vcpu& caller, void*, Access& a) {
    Domain& d = *caller.domain;
    u64 index = a.offset / kGicrStride;
    if (index >= d.nr_vcpus) return Result::kUnhandled;
    Vcpu& v = d.vcpus[index];  // the redistributor's own vCPU, not necessarily the caller
    u64 off = a.offset % kGicrStride;
    constexpr u64 kSgiBase = 0x10000;
    if (off >= kSgiBase) {
        Access sub = a;
        sub.offset = off - kSgiBase;
        bool hit = false;
        Result res = irq_regs(v, kSgiRanges, sizeof kSgiRanges / sizeof *kSgiRanges, 0, sub, hit);
        if (!hit) {
            if (sub.size != 4) return Result::kUnhandled;
            sub.value = 0;  // IGRPMODR0, NSACR, ...: RAZ/WI
        }
        a.value = sub.value;
        return res;
    }
    if (off == 0x0008 && !a.write && (a.size == 8 || a.size == 4)) {  // TYPER
        u64 aff = v.arch.vmpidr;
        u64 affinity = (aff & 0xffffff) | ((aff >> 32 & 0xff) << 24);
        u64 typer = (affinity << 32) | (u64{v.id} << 8) | (index + 1 == d.nr_vcpus ? 1u << 4 : 0);
        a.value = a.size == 8 ? typer : typer & 0xffffffff;
        return Result::kHandled;
    }
    if (off == 0x000C && !a.write && a.size == 4) {  // TYPER upper half
        u64 aff = v.arch.vmpidr;
        a.value = (aff & 0xffffff) | ((aff >> 32 & 0xff) << 24);
        return Result::kHandled;
    }
    if (a.size != 4 && !(a.size == 8 && (off == 0x70 || off == 0x78))) return Result::kUnhandled;
    switch (off) {
        case 0x0004: if (!a.write) a.value = kIidr; return Result::kHandled;
        case 0x0014:  // WAKER: ChildrenAsleep follows ProcessorSleep at once
            if (a.write) {
                v.irqs.sleep = (a.value & 2) != 0;
            } else {
                a.value = v.irqs.sleep ? 6 : 0;
            }
            return Result::kHandled;
        case kPidr2: if (!a.write) a.value = kPidr2GicV3; return Result::kHandled;
        default:  // CTLR (no LPIs, RWP 0), STATUSR, PROPBASER, PENDBASER: RAZ/WI
            if (!a.write) a.value = 0;
            return Result::kHandled;
    }
}

}  // namespace

bool attach(Domain& d, IPAddr gicd, IPAddr gicr, u32 nr_spis) {
    nr_spis = (nr_spis + 31) / 32 * 32;
    if (nr_spis > kMaxSpis) return false;
    d.dist.nr_spis = nr_spis;
    for (u64& w : d.dist.spi_hint) w = ~u64{0};  // nothing known yet: look at everything once
    d.gicd_base = gicd;
    d.gicr_base = gicr;
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        Vcpu& v = d.vcpus[i];
        for (u32 sgi = 0; sgi < 16; ++sgi) v.irqs.priv[sgi].enabled = true;  // SGIs: always on
        v.irqs.sleep = true;
    }
    return d.mmio.add({gicd, kGicdSize, {dist_access}, nullptr}) &&
           d.mmio.add({gicr, kGicrStride * d.nr_vcpus, {redist_access}, nullptr});
}

}  // namespace hv::vgic
