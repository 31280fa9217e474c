// Event-channel ports and 2-level delivery (see hv/event.h).
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/vgic.h"
#include "hv/xen_abi.h"

namespace hv::event {
namespace {

Port* port_of(Domain& d, u32 port) {
    if (port == 0 || port > d.evtchn.max_port || port >= kMaxPorts) return nullptr;
    return &d.evtchn.ports[port];
}

i64 find_free(Domain& d) {
    for (u32 p = 1; p <= d.evtchn.max_port && p < kMaxPorts; ++p)
        if (d.evtchn.ports[p].state == PortState::kFree) return p;
    return -kENOSPC;
}

bool test_and_set(volatile u64& word, u32 bit) {
    u64 mask = u64{1} << bit;
    return (__atomic_fetch_or(&word, mask, __ATOMIC_SEQ_CST) & mask) != 0;
}

bool test_bit(const volatile u64& word, u32 bit) { return ((word >> bit) & 1) != 0; }

/// Steps 3-4 of 2L delivery: selector bit, then upcall flag and the PPI on a 0→1 change.
void upcall(Vcpu& v, u32 port) {
    if (v.vcpu_info == nullptr) return;
    test_and_set(v.vcpu_info->evtchn_pending_sel, port / 64);
    u8 was = __atomic_exchange_n(&v.vcpu_info->evtchn_upcall_pending, u8{1}, __ATOMIC_SEQ_CST);
    if (was == 0) vgic::inject(v, kUpcallPpi);
}

}  // namespace

void init(Domain& d) {
    d.evtchn = Table{};
    d.evtchn.ports[0].state = PortState::kReserved;
}

void set_pending(Domain& d, u32 port) {
    Port* p = port_of(d, port);
    if (p == nullptr || d.shared_info == nullptr) return;
    SharedInfo& s = *d.shared_info;
    if (test_and_set(s.evtchn_pending[port / 64], port % 64)) return;
    if (test_bit(s.evtchn_mask[port / 64], port % 64)) return;
    if (p->vcpu < d.nr_vcpus) upcall(d.vcpus[p->vcpu], port);
}

void mark_all_pending(Vcpu& v) {
    if (v.vcpu_info == nullptr) return;
    __atomic_store_n(&v.vcpu_info->evtchn_pending_sel, ~u64{0}, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v.vcpu_info->evtchn_upcall_pending, u8{1}, __ATOMIC_SEQ_CST);
    vgic::inject(v, kUpcallPpi);
}

i64 alloc_unbound(Domain& d, u16 remote_dom) {
    i64 port = find_free(d);
    if (port < 0) return port;
    Port& p = d.evtchn.ports[port];
    p = Port{};
    p.state = PortState::kUnbound;
    p.remote_dom = remote_dom == DOMID_SELF ? d.id : remote_dom;
    return port;
}

i64 bind_interdomain(Domain& d, Domain& remote, u32 remote_port) {
    Port* rp = port_of(remote, remote_port);
    if (rp == nullptr) return -kEINVAL;
    if (rp->state != PortState::kUnbound || rp->remote_dom != d.id) return -kEINVAL;
    i64 port = find_free(d);
    if (port < 0) return port;
    Port& lp = d.evtchn.ports[port];
    lp = Port{};
    lp.state = PortState::kInterdomain;
    lp.remote_dom = remote.id;
    lp.remote_port = remote_port;
    rp->state = PortState::kInterdomain;
    rp->remote_dom = d.id;
    rp->remote_port = static_cast<u32>(port);
    // Xen raises the local port at once so that no notification sent before the bind is lost.
    set_pending(d, static_cast<u32>(port));
    return port;
}

i64 bind_virq(Domain& d, u32 virq, u32 vcpu) {
    if (virq >= kNrVirqs) return -kEINVAL;
    if (vcpu >= d.nr_vcpus) return -kENOENT;
    // VIRQ_TIMER/DEBUG are per-vCPU in Xen; the ones Linux uses on arm (CONSOLE, DOM_EXC) are
    // global and may only be bound on vCPU 0 (xen/common/event_channel.c).
    if (virq != VIRQ_TIMER && virq != VIRQ_DEBUG && vcpu != 0) return -kEINVAL;
    if (d.evtchn.virq_port[virq] != 0) return -kEEXIST;
    i64 port = find_free(d);
    if (port < 0) return port;
    Port& p = d.evtchn.ports[port];
    p = Port{};
    p.state = PortState::kVirq;
    p.virq = static_cast<u8>(virq);
    p.vcpu = static_cast<u16>(vcpu);
    d.evtchn.virq_port[virq] = static_cast<u32>(port);
    return port;
}

i64 close(Domain& d, u32 port) {
    Port* p = port_of(d, port);
    if (p == nullptr) return -kEINVAL;
    switch (p->state) {
        case PortState::kFree: return -kEINVAL;
        case PortState::kReserved: return -kEINVAL;
        case PortState::kVirq: d.evtchn.virq_port[p->virq] = 0; break;
        case PortState::kInterdomain:
            if (Domain* r = domain_by_id(p->remote_dom)) {
                Port* rp = port_of(*r, p->remote_port);
                if (rp != nullptr && rp->state == PortState::kInterdomain &&
                    rp->remote_dom == d.id && rp->remote_port == port) {
                    rp->state = PortState::kUnbound;  // the peer may be bound again
                    rp->remote_port = 0;
                }
            }
            break;
        case PortState::kUnbound: break;
    }
    *p = Port{};
    if (d.shared_info != nullptr) {
        __atomic_fetch_and(&d.shared_info->evtchn_pending[port / 64], ~(u64{1} << (port % 64)),
                           __ATOMIC_SEQ_CST);
    }
    return 0;
}

i64 send(Domain& d, u32 port) {
    Port* p = port_of(d, port);
    if (p == nullptr) return -kEINVAL;
    switch (p->state) {
        case PortState::kInterdomain:
            if (Domain* r = domain_by_id(p->remote_dom)) set_pending(*r, p->remote_port);
            return 0;
        case PortState::kUnbound:
            return 0;  // nobody listens yet: success, silently (XEN-ABI.md §1.4)
        case PortState::kVirq:
            set_pending(d, port);
            return 0;
        default:
            return -kEINVAL;
    }
}

i64 unmask(Domain& d, u32 port) {
    Port* p = port_of(d, port);
    if (p == nullptr || d.shared_info == nullptr) return -kEINVAL;
    SharedInfo& s = *d.shared_info;
    __atomic_fetch_and(&s.evtchn_mask[port / 64], ~(u64{1} << (port % 64)), __ATOMIC_SEQ_CST);
    if (test_bit(s.evtchn_pending[port / 64], port % 64) && p->vcpu < d.nr_vcpus)
        upcall(d.vcpus[p->vcpu], port);
    return 0;
}

i64 bind_vcpu(Domain& d, u32 port, u32 vcpu) {
    Port* p = port_of(d, port);
    if (p == nullptr) return -kEINVAL;
    if (vcpu >= d.nr_vcpus) return -kENOENT;
    if (p->state == PortState::kFree || p->state == PortState::kReserved) return -kEINVAL;
    if (p->state == PortState::kVirq && p->virq != VIRQ_TIMER && p->virq != VIRQ_DEBUG)
        return -kEINVAL;
    p->vcpu = static_cast<u16>(vcpu);
    return 0;
}

void raise_virq(Domain& d, u32 virq) {
    if (virq < kNrVirqs && d.evtchn.virq_port[virq] != 0) set_pending(d, d.evtchn.virq_port[virq]);
}

void close_all(Domain& d) {
    for (u32 p = 1; p < kMaxPorts; ++p)
        if (d.evtchn.ports[p].state != PortState::kFree) close(d, p);
}

}  // namespace hv::event
