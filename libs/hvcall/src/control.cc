// Typed domctl/sysctl/memory/HVM/event-channel wrappers over any Hypervisor.
#include "hvcall/control.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::xen {

namespace {

// Prefix the operation's name to a failure.
template <class T>
Result<T> name(Result<T> result, const char* what) {
    if (!result) result.error().message = std::string(what) + ": " + result.error().message;
    return result;
}

Result<void> simple_domctl(Hypervisor& hv, std::uint32_t cmd, domid_t domid, const char* what) {
    xen_domctl op{};
    op.cmd = cmd;
    op.domain = domid;
    return name(hv.domctl(op), what);
}

}  // namespace

Result<domid_t> create_domain(Hypervisor& hv, const xen_domctl_createdomain& config,
                              domid_t domid) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_createdomain;
    op.domain = domid;
    op.u.createdomain = config;
    if (auto r = name(hv.domctl(op), "XEN_DOMCTL_createdomain"); !r) return std::unexpected(r.error());
    return op.domain;
}

Result<void> destroy_domain(Hypervisor& hv, domid_t domid) {
    return simple_domctl(hv, XEN_DOMCTL_destroydomain, domid, "XEN_DOMCTL_destroydomain");
}

Result<void> pause_domain(Hypervisor& hv, domid_t domid) {
    return simple_domctl(hv, XEN_DOMCTL_pausedomain, domid, "XEN_DOMCTL_pausedomain");
}

Result<void> unpause_domain(Hypervisor& hv, domid_t domid) {
    return simple_domctl(hv, XEN_DOMCTL_unpausedomain, domid, "XEN_DOMCTL_unpausedomain");
}

Result<xen_domctl_getdomaininfo> get_domain_info(Hypervisor& hv, domid_t domid) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.domain = domid;
    if (auto r = name(hv.domctl(op), "XEN_DOMCTL_getdomaininfo"); !r) {
        return std::unexpected(r.error());
    }
    if (op.u.getdomaininfo.domain != domid) {
        return fail(ESRCH, "XEN_DOMCTL_getdomaininfo: no domain " + std::to_string(domid));
    }
    return op.u.getdomaininfo;
}

Result<DomainLife> domain_life(Hypervisor& hv, domid_t domid) {
    auto info = get_domain_info(hv, domid);
    if (!info) {
        if (info.error().code == ESRCH) return DomainLife::gone;
        return std::unexpected(info.error());
    }
    if ((info->flags & XEN_DOMINF_dying) != 0) return DomainLife::dying;
    if ((info->flags & XEN_DOMINF_shutdown) != 0) return DomainLife::shutdown;
    return DomainLife::running;
}

const char* domain_life_name(DomainLife life) {
    switch (life) {
        case DomainLife::running: return "running";
        case DomainLife::shutdown: return "shutdown";
        case DomainLife::dying: return "dying";
        case DomainLife::gone: return "gone";
    }
    return "?";
}

Result<std::vector<xen_domctl_getdomaininfo>> get_domain_info_list(Hypervisor& hv, domid_t first,
                                                                   std::uint32_t max) {
    auto infos = hv.allocate<xen_domctl_getdomaininfo_t>(max);
    if (!infos) return std::unexpected(infos.error());
    xen_sysctl op{};
    op.cmd = XEN_SYSCTL_getdomaininfolist;
    op.u.getdomaininfolist.first_domain = first;
    op.u.getdomaininfolist.max_domains = max;
    set_guest_handle(op.u.getdomaininfolist.buffer, infos->get());
    if (auto r = name(hv.sysctl(op), "XEN_SYSCTL_getdomaininfolist"); !r) {
        return std::unexpected(r.error());
    }
    const std::uint32_t count = op.u.getdomaininfolist.num_domains;
    if (count > max) return fail(EIO, "XEN_SYSCTL_getdomaininfolist: more domains than asked");
    return std::vector<xen_domctl_getdomaininfo>(infos->get(), infos->get() + count);
}

Result<void> set_max_mem(Hypervisor& hv, domid_t domid, std::uint64_t max_kib) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_max_mem;
    op.domain = domid;
    op.u.max_mem.max_memkb = max_kib;
    return name(hv.domctl(op), "XEN_DOMCTL_max_mem");
}

Result<void> set_max_vcpus(Hypervisor& hv, domid_t domid, std::uint32_t max) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_max_vcpus;
    op.domain = domid;
    op.u.max_vcpus.max = max;
    return name(hv.domctl(op), "XEN_DOMCTL_max_vcpus");
}

Result<void> set_vcpu_context(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                              const vcpu_guest_context_t& context) {
    auto buffer = hv.allocate<vcpu_guest_context_t>();
    if (!buffer) return std::unexpected(buffer.error());
    **buffer = context;
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_setvcpucontext;
    op.domain = domid;
    op.u.vcpucontext.vcpu = vcpu;
    set_guest_handle(op.u.vcpucontext.ctxt, buffer->get());
    return name(hv.domctl(op), "XEN_DOMCTL_setvcpucontext");
}

Result<vcpu_guest_context_t> get_vcpu_context(Hypervisor& hv, domid_t domid, std::uint32_t vcpu) {
    auto buffer = hv.allocate<vcpu_guest_context_t>();
    if (!buffer) return std::unexpected(buffer.error());
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_getvcpucontext;
    op.domain = domid;
    op.u.vcpucontext.vcpu = vcpu;
    set_guest_handle(op.u.vcpucontext.ctxt, buffer->get());
    if (auto r = name(hv.domctl(op), "XEN_DOMCTL_getvcpucontext"); !r) {
        return std::unexpected(r.error());
    }
    return **buffer;
}

Result<xen_domctl_getvcpuinfo> get_vcpu_info(Hypervisor& hv, domid_t domid, std::uint32_t vcpu) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_getvcpuinfo;
    op.domain = domid;
    op.u.getvcpuinfo.vcpu = vcpu;
    if (auto r = name(hv.domctl(op), "XEN_DOMCTL_getvcpuinfo"); !r) {
        return std::unexpected(r.error());
    }
    return op.u.getvcpuinfo;
}

namespace {

Result<VcpuAffinity> affinity_domctl(Hypervisor& hv, std::uint32_t cmd, domid_t domid,
                                     std::uint32_t vcpu, const VcpuAffinity& in,
                                     std::uint32_t flags, const char* what) {
    auto hard = hv.allocate<std::uint8_t>(in.hard.size());
    auto soft = hv.allocate<std::uint8_t>(in.soft.size());
    if (!hard) return std::unexpected(hard.error());
    if (!soft) return std::unexpected(soft.error());
    // An empty map has no data() to copy from (memcpy from nullptr is undefined even for 0).
    if (!in.hard.empty()) std::memcpy(hard->get(), in.hard.data(), in.hard.size());
    if (!in.soft.empty()) std::memcpy(soft->get(), in.soft.data(), in.soft.size());
    xen_domctl op{};
    op.cmd = cmd;
    op.domain = domid;
    op.u.vcpuaffinity.vcpu = vcpu;
    op.u.vcpuaffinity.flags = flags;
    if (flags & XEN_VCPUAFFINITY_HARD) {
        set_guest_handle(op.u.vcpuaffinity.cpumap_hard.bitmap, hard->get());
        op.u.vcpuaffinity.cpumap_hard.nr_bits = static_cast<std::uint32_t>(in.hard.size() * 8);
    }
    if (flags & XEN_VCPUAFFINITY_SOFT) {
        set_guest_handle(op.u.vcpuaffinity.cpumap_soft.bitmap, soft->get());
        op.u.vcpuaffinity.cpumap_soft.nr_bits = static_cast<std::uint32_t>(in.soft.size() * 8);
    }
    if (auto r = name(hv.domctl(op), what); !r) return std::unexpected(r.error());
    VcpuAffinity out;
    if (flags & XEN_VCPUAFFINITY_HARD) out.hard.assign(hard->get(), hard->get() + in.hard.size());
    if (flags & XEN_VCPUAFFINITY_SOFT) out.soft.assign(soft->get(), soft->get() + in.soft.size());
    return out;
}

}  // namespace

Result<VcpuAffinity> set_vcpu_affinity(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                                       const VcpuAffinity& affinity) {
    std::uint32_t flags = 0;
    if (!affinity.hard.empty()) flags |= XEN_VCPUAFFINITY_HARD;
    if (!affinity.soft.empty()) flags |= XEN_VCPUAFFINITY_SOFT;
    if (flags == 0) return fail(EINVAL, "XEN_DOMCTL_setvcpuaffinity: no map given");
    return affinity_domctl(hv, XEN_DOMCTL_setvcpuaffinity, domid, vcpu, affinity, flags,
                           "XEN_DOMCTL_setvcpuaffinity");
}

Result<VcpuAffinity> get_vcpu_affinity(Hypervisor& hv, domid_t domid, std::uint32_t vcpu,
                                       std::uint32_t nr_cpus) {
    const std::size_t bytes = (nr_cpus + 7) / 8;
    VcpuAffinity empty{std::vector<std::uint8_t>(bytes), std::vector<std::uint8_t>(bytes)};
    return affinity_domctl(hv, XEN_DOMCTL_getvcpuaffinity, domid, vcpu, empty,
                           XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT,
                           "XEN_DOMCTL_getvcpuaffinity");
}

Result<void> cache_flush(Hypervisor& hv, domid_t domid, xen_pfn_t start_pfn, xen_pfn_t nr_pfns) {
    xen_domctl op{};
    op.cmd = XEN_DOMCTL_cacheflush;
    op.domain = domid;
    op.u.cacheflush.start_pfn = start_pfn;
    op.u.cacheflush.nr_pfns = nr_pfns;
    return name(hv.domctl(op), "XEN_DOMCTL_cacheflush");
}

Result<xen_sysctl_physinfo> physinfo(Hypervisor& hv) {
    xen_sysctl op{};
    op.cmd = XEN_SYSCTL_physinfo;
    if (auto r = name(hv.sysctl(op), "XEN_SYSCTL_physinfo"); !r) return std::unexpected(r.error());
    return op.u.physinfo;
}

Result<void> populate_physmap(Hypervisor& hv, domid_t domid, std::span<const xen_pfn_t> gfns,
                              unsigned extent_order) {
    auto frames = hv.allocate<xen_pfn_t>(gfns.size());
    if (!frames) return std::unexpected(frames.error());
    std::memcpy(frames->get(), gfns.data(), gfns.size_bytes());
    xen_memory_reservation reservation{};
    set_guest_handle(reservation.extent_start, frames->get());
    reservation.nr_extents = gfns.size();
    reservation.extent_order = extent_order;
    reservation.domid = domid;
    auto done = name(hv.memory_op(XENMEM_populate_physmap, reservation), "XENMEM_populate_physmap");
    if (!done) return std::unexpected(done.error());
    if (static_cast<std::size_t>(*done) != gfns.size()) {
        return fail(ENOMEM, "XENMEM_populate_physmap: populated " + std::to_string(*done) +
                                " of " + std::to_string(gfns.size()) + " extents");
    }
    return {};
}

Result<void> set_hvm_param(Hypervisor& hv, domid_t domid, std::uint32_t index,
                           std::uint64_t value) {
    xen_hvm_param param{};
    param.domid = domid;
    param.index = index;
    param.value = value;
    auto r = name(hv.hvm_op(HVMOP_set_param, param), "HVMOP_set_param");
    if (!r) return std::unexpected(r.error());
    return {};
}

Result<std::uint64_t> get_hvm_param(Hypervisor& hv, domid_t domid, std::uint32_t index) {
    xen_hvm_param param{};
    param.domid = domid;
    param.index = index;
    auto r = name(hv.hvm_op(HVMOP_get_param, param), "HVMOP_get_param");
    if (!r) return std::unexpected(r.error());
    return param.value;
}

Result<evtchn_port_t> alloc_unbound(Hypervisor& hv, domid_t domid, domid_t remote) {
    evtchn_alloc_unbound op{};
    op.dom = domid;
    op.remote_dom = remote;
    auto r = name(hv.event_channel_op(EVTCHNOP_alloc_unbound, op), "EVTCHNOP_alloc_unbound");
    if (!r) return std::unexpected(r.error());
    return op.port;
}

}  // namespace tessera::xen
