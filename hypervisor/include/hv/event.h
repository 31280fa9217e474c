// Event channels with the 2-level ABI (xen/event_channel.h; delivery as XEN-ABI.md §1.5).
#pragma once

#include "hv/types.h"

namespace hv {
struct Domain;
struct Vcpu;
}

namespace hv::event {

/// 2-level ports: 64 words of 64 bits (the whole 2L space is 4096; we keep the first kMaxPorts).
inline constexpr u32 kMaxPorts = 1024;
inline constexpr u32 kNrVirqs = 24;   ///< NR_VIRQS (xen/xen.h)

enum class PortState : u8 { kFree, kReserved, kUnbound, kInterdomain, kVirq };

struct Port {
    PortState state = PortState::kFree;
    u8 virq = 0;
    u16 vcpu = 0;          ///< the vCPU notified when the port fires
    u16 remote_dom = 0;    ///< unbound: who may bind; interdomain: the peer
    u32 remote_port = 0;   ///< interdomain: the peer's port
};

/// A domain's ports.
struct Table {
    Port ports[kMaxPorts];
    u32 max_port = kMaxPorts - 1;  ///< highest port the domain may use (set_max_evtchn)
    u32 virq_port[kNrVirqs] = {};  ///< global VIRQs are bound on vCPU 0 only
};

/// Initialises a domain's table (port 0 is reserved, as in Xen).
void init(Domain& d);

// Operations of EVTCHNOP_*; results are 0/port numbers, or negative Xen errnos.
i64 alloc_unbound(Domain& d, u16 remote_dom);
i64 bind_interdomain(Domain& d, Domain& remote, u32 remote_port);
i64 bind_virq(Domain& d, u32 virq, u32 vcpu);
i64 close(Domain& d, u32 port);
i64 send(Domain& d, u32 port);
i64 unmask(Domain& d, u32 port);
i64 bind_vcpu(Domain& d, u32 port, u32 vcpu);

/// Raises `port` in `d` (2-level set-pending and upcall), as a peer's send or a VIRQ does.
void set_pending(Domain& d, u32 port);

/// Raises VIRQ `virq` in `d` if it is bound.
void raise_virq(Domain& d, u32 virq);

/// Closes every port of `d` (domain teardown), disconnecting peers.
void close_all(Domain& d);

/// Re-evaluates `v`'s upcall after it registers a vcpu_info (XEN-ABI.md §1.5).
void mark_all_pending(Vcpu& v);

/// The INTID of the event-channel upcall PPI (GUEST_EVTCHN_PPI; also used for dom0).
inline constexpr u32 kUpcallPpi = 31;

}  // namespace hv::event
