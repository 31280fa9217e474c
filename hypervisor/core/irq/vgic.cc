// The virtual GICv3 interrupt state model (see hv/vgic.h).
#include "hv/vgic.h"

#include "hv/domain.h"
#include "hv/sched.h"

namespace hv::vgic {

Irq* irq_of(Vcpu& v, u32 intid) {
    if (intid < kNrPrivate) return &v.irqs.priv[intid];
    u32 spi = intid - kNrPrivate;
    if (spi < v.domain->dist.nr_spis) return &v.domain->dist.spis[spi];
    return nullptr;
}

Vcpu* spi_target(Domain& d, u32 intid) {
    u32 spi = intid - kNrPrivate;
    if (intid < kNrPrivate || spi >= d.dist.nr_spis) return nullptr;
    u64 route = d.dist.spis[spi].route;
    constexpr u64 kIrm = u64{1} << 31;  // Interrupt Routing Mode: any participating PE
    if ((route & kIrm) != 0) return &d.vcpus[0];
    u32 aff0 = static_cast<u32>(route & 0xff);
    for (u32 i = 0; i < d.nr_vcpus; ++i)
        if ((d.vcpus[i].arch.vmpidr & 0xff) == aff0) return &d.vcpus[i];
    return &d.vcpus[0];
}

void mark(Vcpu& v, u32 intid) {
    if (intid < kNrPrivate) {
        v.irqs.hint |= 1u << intid;
    } else {
        u32 spi = intid - kNrPrivate;
        v.domain->dist.spi_hint[spi / 64] |= u64{1} << (spi % 64);
    }
}

bool inject(Vcpu& v, u32 intid) {
    Irq* irq = irq_of(v, intid);
    if (irq == nullptr) return false;
    mark(v, intid);
    Vcpu* target = intid < kNrPrivate ? &v : spi_target(*v.domain, intid);
    // If the target's list registers hold this interrupt right now (it runs on another pCPU),
    // reading them back at its next exit must not forget this new edge.
    if (irq->in_lr) irq->repend = true;
    irq->pending = true;
    if (irq->enabled && target != nullptr) sched::wake(*target);
    return true;
}

void set_level(Vcpu& v, u32 intid, bool asserted) {
    Irq* irq = irq_of(v, intid);
    if (irq == nullptr) return;
    irq->line = asserted;
    if (asserted) {
        inject(v, intid);
    } else if (irq->level) {
        irq->pending = false;
    }
}

namespace {

bool presentable(const Irq& irq) { return irq.active || (irq.pending && irq.enabled); }

/// Calls f(intid, irq) for every interrupt `v` could be shown now. This runs on every exit and
/// almost every interrupt is idle: only those the hints name are looked at, and a hint found
/// idle is dropped.
template <typename F>
void for_each_irq_of(Vcpu& v, F&& f) {
    for (u32 h = v.irqs.hint; h != 0; h &= h - 1) {
        u32 i = static_cast<u32>(__builtin_ctz(h));
        if (presentable(v.irqs.priv[i])) {
            f(i, v.irqs.priv[i]);
        } else if (!v.irqs.priv[i].in_lr) {
            v.irqs.hint &= ~(1u << i);
        }
    }
    Domain& d = *v.domain;
    for (u32 w = 0; w * 64 < d.dist.nr_spis; ++w) {
        for (u64 h = d.dist.spi_hint[w]; h != 0; h &= h - 1) {
            u32 s = w * 64 + static_cast<u32>(__builtin_ctzll(h));
            if (s >= d.dist.nr_spis) break;
            Irq& irq = d.dist.spis[s];
            if (!presentable(irq)) {
                // One in another pCPU's list registers comes back (active, say) at that
                // vCPU's next exit: keep looking at it.
                if (!irq.in_lr) d.dist.spi_hint[w] &= ~(u64{1} << (s % 64));
            } else if (spi_target(d, s + kNrPrivate) == &v) {
                f(s + kNrPrivate, irq);
            }
        }
    }
}

}  // namespace

bool has_deliverable(Vcpu& v) {
    bool any = false;
    for_each_irq_of(v, [&](u32, Irq& irq) { any |= irq.pending && irq.enabled; });
    return any;
}

usize select_for_lrs(Vcpu& v, u32* out, usize max, bool& more) {
    usize n = 0;
    more = false;
    // Keep the `max` best by priority (lower value = higher priority), active ones first so an
    // interrupt the guest is handling is never dropped from the list registers.
    auto better = [&](u32 a, u32 b) {
        Irq* ia = irq_of(v, a);
        Irq* ib = irq_of(v, b);
        if (ia->active != ib->active) return ia->active;
        return ia->priority < ib->priority;
    };
    for_each_irq_of(v, [&](u32 intid, Irq& irq) {
        if (!presentable(irq)) return;
        if (n < max) {
            out[n++] = intid;
        } else {
            more = true;
            usize worst = 0;
            for (usize i = 1; i < n; ++i)
                if (better(out[worst], out[i])) worst = i;
            if (better(intid, out[worst])) out[worst] = intid;
        }
    });
    return n;
}

}  // namespace hv::vgic
