// Domain life-cycle operations shared by hypercalls, PSCI and the toolstack interface.
#pragma once

#include "hv/types.h"

namespace hv {
struct Domain;

/// Shuts `d` down for `reason` (SHUTDOWN_poweroff/reboot/crash...). For dom0 this ends the
/// machine: power off, or reset for reboot. For another domain its vCPUs stop and dom0 gets
/// VIRQ_DOM_EXC; the domain stays until the toolstack destroys it.
void shutdown_domain(Domain& d, u32 reason);

/// The wallclock dom0 gave (XENPF_settime64): UTC seconds and nanoseconds at counter zero.
void set_wallclock(u64 sec, u32 nsec, u64 system_time_ns);

/// Allocates `d`'s shared_info page and fills in the wallclock; false when out of memory.
bool attach_shared_info(Domain& d);

/// What XEN_DOMCTL_createdomain asks for (validated by the caller's ABI layer).
struct DomainParams {
    u16 domid = 0;              ///< 0: the hypervisor chooses
    u32 max_vcpus = 1;
    u32 max_evtchn_port = 0;
    u32 max_grant_frames = 0;
    u32 max_maptrack_frames = 0;
    u32 nr_spis = 0;
    u32 ssidref = 0;
    u8 handle[16] = {};
};

/// Creates a paused, unprivileged domain with Xen's Arm guest layout (vGICv3 at
/// GUEST_GICV3_GICD_BASE/GICR0_BASE, no RAM until populated). Returns 0 and sets `out`, or a
/// negative Xen errno with nothing left allocated.
i64 create_domain(const DomainParams& p, Domain*& out);

/// Destroys a domain: its vCPUs, event channels, grants, mappings and pages. Returns -EAGAIN
/// while a pCPU still has one of its vCPUs loaded (the caller retries, as Xen's toolstack
/// does), 0 once it is gone. Pages another domain still maps are freed when unmapped.
i64 destroy_domain(Domain& d);

/// Raises VIRQ_DOM_EXC in dom0 (a domain shut down, crashed or went away).
void notify_dom_exc();

}  // namespace hv
