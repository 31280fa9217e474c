// XEN_DOMCTL and XEN_SYSCTL (Xen 4.17's control interface, dom0 only): the pieces shared by
// core/hypercall/domctl*.cc and sysctl.cc.
#pragma once

#include "hv/addr.h"
#include "hv/xen_abi.h"

namespace hv {
struct Domain;
struct Vcpu;
}

namespace hv::hypercall {

/// One XEN_DOMCTL being handled: the caller, the copied-in argument, and its target domain
/// (nullptr for createdomain and getdomaininfo, which look domains up themselves).
struct DomctlCall {
    Vcpu& caller;
    xen_domctl& op;
    Domain* d;
    bool copy_back = false;  ///< the handler changed `op` and the caller must see it
};

/// A guest handle's address.
template <typename Handle>
GVAddr handle_addr(const Handle& h) {
    return GVAddr(static_cast<u64>(h.q));
}

/// Fills Xen's view of a domain (XEN_DOMCTL_getdomaininfo, XEN_SYSCTL_getdomaininfolist).
void fill_domaininfo(const Domain& d, xen_domctl_getdomaininfo& info);

// Per-vCPU domctls (core/hypercall/domctl_vcpu.cc).
i64 domctl_setvcpucontext(DomctlCall& c);
i64 domctl_getvcpucontext(DomctlCall& c);
i64 domctl_getvcpuinfo(DomctlCall& c);
i64 domctl_setvcpuaffinity(DomctlCall& c);
i64 domctl_getvcpuaffinity(DomctlCall& c);
i64 domctl_max_vcpus(DomctlCall& c);

}  // namespace hv::hypercall
