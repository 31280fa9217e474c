// Typed wrappers for the domctls, sysctls, memory, HVM and event-channel operations the toolstack
// needs (XEN-ABI.md §3.7 "Building a domU"). Each takes any Hypervisor, real or fake, and puts
// every nested argument (vCPU context, bitmaps, frame lists) in a hypercall buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hvcall/hypervisor.hpp"

namespace tessera::xen {

/// XEN_DOMCTL_createdomain. `domid` 0 lets Xen choose; returns the new domain's id.
Result<domid_t> create_domain(Hypervisor& hv, const xen_domctl_createdomain& config,
                              domid_t domid = 0);
/// XEN_DOMCTL_destroydomain.
Result<void> destroy_domain(Hypervisor& hv, domid_t domid);
/// XEN_DOMCTL_pausedomain.
Result<void> pause_domain(Hypervisor& hv, domid_t domid);
/// XEN_DOMCTL_unpausedomain.
Result<void> unpause_domain(Hypervisor& hv, domid_t domid);
/// XEN_DOMCTL_getdomaininfo for exactly `domid`. Xen 4.17 answers with the first domain whose id
/// is >= domid; another domain's answer becomes ESRCH here.
Result<xen_domctl_getdomaininfo> get_domain_info(Hypervisor& hv, domid_t domid);
/// A domain's life as dom0 daemons see it (xenstored's VIRQ_DOM_EXC check, the console daemon).
enum class DomainLife {
    running,   ///< exists, neither shut down nor dying (paused and blocked count as running)
    shutdown,  ///< XEN_DOMINF_shutdown (crash included): stopped, its memory still there
    dying,     ///< XEN_DOMINF_dying: being destroyed; its pages and ports are going away
    gone,      ///< no such domain (getdomaininfo said ESRCH)
};
/// get_domain_info reduced to a DomainLife: ESRCH is `gone`, dying wins over shutdown. Any other
/// failure (EPERM, ENOSYS...) is returned as an Error: the caller cannot tell.
Result<DomainLife> domain_life(Hypervisor& hv, domid_t domid);
/// "running", "shutdown", "dying" or "gone".
const char* domain_life_name(DomainLife life);
/// XEN_SYSCTL_getdomaininfolist: up to `max` domains with id >= `first`.
Result<std::vector<xen_domctl_getdomaininfo>> get_domain_info_list(Hypervisor& hv, domid_t first,
                                                                   std::uint32_t max);
/// XEN_DOMCTL_max_mem (KiB).
Result<void> set_max_mem(Hypervisor& hv, domid_t domid, std::uint64_t max_kib);
/// XEN_DOMCTL_max_vcpus: still in the 4.17 interface (domctl.h); must match createdomain.
Result<void> set_max_vcpus(Hypervisor& hv, domid_t domid, std::uint32_t max);
/// XEN_DOMCTL_setvcpucontext.
Result<void> set_vcpu_context(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                              const vcpu_guest_context_t& context);
/// XEN_DOMCTL_getvcpucontext.
Result<vcpu_guest_context_t> get_vcpu_context(Hypervisor& hv, domid_t domid, std::uint32_t vcpu);
/// XEN_DOMCTL_getvcpuinfo.
Result<xen_domctl_getvcpuinfo> get_vcpu_info(Hypervisor& hv, domid_t domid, std::uint32_t vcpu);

/// Physical-CPU bitmaps (bit n of byte n/8 = pCPU n, xenctl_bitmap); empty = leave unchanged.
struct VcpuAffinity {
    std::vector<std::uint8_t> hard;
    std::vector<std::uint8_t> soft;
};
/// XEN_DOMCTL_setvcpuaffinity for the non-empty maps; returns the effective maps Xen wrote back.
Result<VcpuAffinity> set_vcpu_affinity(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                                       const VcpuAffinity& affinity);
/// XEN_DOMCTL_getvcpuaffinity (hard and soft) for maps of `nr_cpus` bits.
Result<VcpuAffinity> get_vcpu_affinity(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                                       std::uint32_t nr_cpus);
/// XEN_DOMCTL_cacheflush of [start_pfn, start_pfn + nr_pfns): guests boot with caches off.
Result<void> cache_flush(Hypervisor& hv, domid_t domid, xen_pfn_t start_pfn, xen_pfn_t nr_pfns);
/// XEN_SYSCTL_physinfo.
Result<xen_sysctl_physinfo> physinfo(Hypervisor& hv);

/// XENMEM_populate_physmap into `domid`: one extent of 2^order pages at each gfn. Xen returns how
/// many extents it populated; fewer than asked is ENOMEM here.
Result<void> populate_physmap(Hypervisor& hv, domid_t domid, std::span<const xen_pfn_t> gfns,
                              unsigned extent_order = 0);
/// HVMOP_set_param.
Result<void> set_hvm_param(Hypervisor& hv, domid_t domid, std::uint32_t index,
                           std::uint64_t value);
/// HVMOP_get_param.
Result<std::uint64_t> get_hvm_param(Hypervisor& hv, domid_t domid, std::uint32_t index);
/// EVTCHNOP_alloc_unbound: a port in `domid` that `remote` may bind.
Result<evtchn_port_t> alloc_unbound(Hypervisor& hv, domid_t domid, domid_t remote);

}  // namespace tessera::xen
