// List-register synchronisation (ICH_LR<n>_EL2, GICv3 §12.4.6) and virtual SGIs.
#include "lr.h"

#include "gic.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/vgic.h"
#include "sysreg.h"

namespace hv::aarch64::lr {
namespace {

constexpr u64 kStatePending = u64{1} << 62;
constexpr u64 kStateActive = u64{1} << 63;
constexpr u64 kHw = u64{1} << 61;
constexpr u64 kGroup1 = u64{1} << 60;
constexpr u64 kUie = 1u << 1;  // ICH_HCR_EL2.UIE: maintenance interrupt when LRs run dry

constinit u32 g_used[PerCpu::kMaxCpus] = {};

}  // namespace

void save(Vcpu& v) {
    u32& used = g_used[this_cpu().id];
    for (u32 n = 0; n < used; ++n) {
        u64 lr = gic::read_lr(n);
        vgic::Irq* irq = vgic::irq_of(v, static_cast<u32>(lr & 0xffffffff));
        if (irq != nullptr) {
            irq->pending =
                (lr & kStatePending) != 0 || irq->repend || (irq->level && irq->line);
            irq->active = (lr & kStateActive) != 0;
            irq->in_lr = false;
            irq->repend = false;
            vgic::mark(v, static_cast<u32>(lr & 0xffffffff));  // read back: look at it again
        }
        gic::write_lr(n, 0);
    }
    used = 0;
    // With the list registers empty, UIE would assert the maintenance interrupt for as long
    // as the hypervisor runs (an interrupt storm in idle): only load() may set it.
    HV_WRITE_SYSREG(S3_4_C12_C11_0, 1);
}

void load(Vcpu& v) {
    u32 ids[8];
    u32 max = gic::nr_lrs() < 8 ? gic::nr_lrs() : 8;
    bool more = false;
    usize n = vgic::select_for_lrs(v, ids, max, more);
    for (usize i = 0; i < n; ++i) {
        vgic::Irq* irq = vgic::irq_of(v, ids[i]);
        u64 lr = ids[i] | (u64{irq->priority} << 48) | (irq->group1 ? kGroup1 : 0);
        bool pending = irq->pending && irq->enabled;
        if (irq->hw_intid != 0) {
            lr |= kHw | (u64{irq->hw_intid} << 32);
            // With HW set, "pending and active" is not allowed: the guest finishes first.
            lr |= irq->active ? kStateActive : kStatePending;
        } else {
            lr |= (pending ? kStatePending : 0) | (irq->active ? kStateActive : 0);
        }
        if (!irq->level) irq->pending = false;  // an edge is consumed by presenting it
        irq->in_lr = true;
        gic::write_lr(static_cast<u32>(i), lr);
    }
    g_used[this_cpu().id] = static_cast<u32>(n);
    u64 hcr = 1 | (more ? kUie : 0);  // En, and UIE while interrupts wait for a free LR
    HV_WRITE_SYSREG(S3_4_C12_C11_0, hcr);
    isb();
}

void send_sgi(Vcpu& v, u64 sgi1r) {
    u32 intid = static_cast<u32>((sgi1r >> 24) & 0xf);
    bool all_but_self = ((sgi1r >> 40) & 1) != 0;  // IRM
    u64 aff1 = (sgi1r >> 16) & 0xff, aff2 = (sgi1r >> 32) & 0xff, aff3 = (sgi1r >> 48) & 0xff;
    u32 targets = static_cast<u32>(sgi1r & 0xffff);
    Domain& d = *v.domain;
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        Vcpu& t = d.vcpus[i];
        u64 m = t.arch.vmpidr;
        bool hit;
        if (all_but_self) {
            hit = &t != &v;
        } else {
            hit = ((m >> 8) & 0xff) == aff1 && ((m >> 16) & 0xff) == aff2 &&
                  ((m >> 32) & 0xff) == aff3 && (m & 0xff) < 16 && ((targets >> (m & 0xff)) & 1);
        }
        if (hit) vgic::inject(t, intid);
    }
}

}  // namespace hv::aarch64::lr
