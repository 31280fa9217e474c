// Domain and host queries over libs/hvcall.
#include "toolstack/domain_control.h"

#include <cerrno>
#include <cstring>

#include "hvcall/control.hpp"
#include "toolstack/xen_hypervisor.h"

namespace tessera::toolstack {
namespace {

/// Domains asked for per XEN_SYSCTL_getdomaininfolist (libxl asks 1024 at a time).
constexpr uint32_t kListChunk = 256;

}  // namespace

DomainInfo to_domain_info(const xen_domctl_getdomaininfo& x) {
    DomainInfo d;
    d.domid = x.domain;
    std::memcpy(d.uuid.bytes.data(), x.handle, d.uuid.bytes.size());
    d.dying = x.flags & XEN_DOMINF_dying;
    d.shutdown = x.flags & XEN_DOMINF_shutdown;
    d.paused = x.flags & XEN_DOMINF_paused;
    d.blocked = x.flags & XEN_DOMINF_blocked;
    d.running = x.flags & XEN_DOMINF_running;
    d.shutdown_reason = (x.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
    const uint64_t kib_per_page = kXenPageSize / 1024;
    d.current_memkb = x.tot_pages * kib_per_page;
    d.max_memkb = x.max_pages * kib_per_page;
    d.outstanding_memkb = x.outstanding_pages * kib_per_page;
    d.cpu_time_ns = x.cpu_time;
    d.vcpu_online = x.nr_online_vcpus;
    if (x.max_vcpu_id != XEN_INVALID_MAX_VCPU_ID) d.max_vcpu_id = x.max_vcpu_id;
    d.ssidref = x.ssidref;
    d.cpupool = x.cpupool;
    return d;
}

Result<std::vector<DomainInfo>> DomainControl::list() {
    std::vector<DomainInfo> out;
    domid_t next = 0;
    for (;;) {
        auto chunk = xen::get_domain_info_list(hv_, next, kListChunk);
        if (!chunk) return std::unexpected(from_xen(chunk.error()));
        for (const auto& x : *chunk) out.push_back(to_domain_info(x));
        if (chunk->size() < kListChunk) break;
        next = static_cast<domid_t>(chunk->back().domain + 1);
        if (next >= DOMID_FIRST_RESERVED) break;
    }
    return out;
}

Result<std::optional<DomainInfo>> DomainControl::find(DomId dom) {
    if (dom >= DOMID_FIRST_RESERVED) return std::optional<DomainInfo>{};
    auto info = xen::get_domain_info(hv_, static_cast<domid_t>(dom));
    if (!info) {
        if (info.error().code == ESRCH) return std::optional<DomainInfo>{};
        return std::unexpected(from_xen(info.error()));
    }
    return std::optional<DomainInfo>{to_domain_info(*info)};
}

Result<void> DomainControl::pause(DomId dom) {
    return lift(xen::pause_domain(hv_, static_cast<domid_t>(dom)));
}

Result<void> DomainControl::unpause(DomId dom) {
    return lift(xen::unpause_domain(hv_, static_cast<domid_t>(dom)));
}

Result<std::vector<VcpuInfo>> DomainControl::vcpus(DomId dom, uint32_t nr_cpus) {
    auto info = find(dom);
    if (!info) return std::unexpected(info.error());
    if (!*info) return fail("domain " + std::to_string(dom) + " does not exist");
    std::vector<VcpuInfo> out;
    if (!(*info)->max_vcpu_id) return out;
    for (uint32_t v = 0; v <= *(*info)->max_vcpu_id; ++v) {
        auto x = xen::get_vcpu_info(hv_, static_cast<domid_t>(dom), v);
        if (!x) return std::unexpected(from_xen(x.error()));
        auto maps = xen::get_vcpu_affinity(hv_, static_cast<domid_t>(dom), v, nr_cpus);
        if (!maps) return std::unexpected(from_xen(maps.error()));
        VcpuInfo vi;
        vi.vcpu = v;
        vi.online = x->online;
        vi.blocked = x->blocked;
        vi.running = x->running;
        vi.cpu = x->cpu;
        vi.time_ns = x->cpu_time;
        vi.hard = std::move(maps->hard);
        vi.soft = std::move(maps->soft);
        out.push_back(std::move(vi));
    }
    return out;
}

Result<void> DomainControl::set_affinity(DomId dom, uint32_t vcpu, const CpuSet* hard,
                                         const CpuSet* soft, uint32_t nr_cpus) {
    xen::VcpuAffinity maps;
    if (hard) maps.hard = cpu_bitmap(*hard, nr_cpus);
    if (soft) maps.soft = cpu_bitmap(*soft, nr_cpus);
    auto r = xen::set_vcpu_affinity(hv_, static_cast<domid_t>(dom), vcpu, maps);
    if (!r) return std::unexpected(from_xen(r.error()));
    return {};
}

Result<xen_sysctl_physinfo> DomainControl::physinfo() {
    return lift(xen::physinfo(hv_));
}

Result<xen::VersionInfo> DomainControl::version() {
    return lift(xen::version_info(hv_));
}

std::optional<std::string> DomainControl::scheduler_name() {
    auto id = xen::scheduler_id(hv_);
    if (!id) return std::nullopt;
    switch (*id) {
        case XEN_SCHEDULER_CREDIT:
            return "credit";
        case XEN_SCHEDULER_CREDIT2:
            return "credit2";
        case XEN_SCHEDULER_ARINC653:
            return "arinc653";
        case XEN_SCHEDULER_RTDS:
            return "rtds";
        case XEN_SCHEDULER_NULL:
            return "null";
        default:
            return std::nullopt;
    }
}

Result<std::string> DomainControl::read_console(bool clear) {
    std::string out;
    uint32_t index = 0;
    // Each read continues where the last ended; a read that returns nothing ends the ring.
    for (int reads = 0; reads < 4096; ++reads) {
        const uint32_t before = index;
        auto chunk = xen::read_console(hv_, index, clear);
        if (!chunk) return std::unexpected(from_xen(chunk.error()));
        if (chunk->empty()) break;
        out += *chunk;
        if (index == before) break;  // a hypervisor that does not advance: stop, not loop
    }
    return out;
}

Result<void> DomainControl::remote_shutdown(DomId dom, ShutdownReason reason) {
    return lift(
        xen::remote_shutdown(hv_, static_cast<domid_t>(dom), static_cast<unsigned>(reason)));
}

}  // namespace tessera::toolstack
