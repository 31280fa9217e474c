// XEN_DOMCTL: domain control for dom0's toolstack, Xen 4.17's interface (domctl.h, version
// 0x15). One table maps each command to its handler; anything else is -ENOSYS.
#include "hv/arch/memory.h"
#include "hv/arch/sched.h"
#include "hv/arch/virt.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/domctl.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/mm/page_alloc.h"
#include "hv/percpu.h"
#include "hv/sched.h"

namespace hv::hypercall {
namespace {

constexpr u32 kDefaultGrantFrames = 64;      // Xen's default max_grant_frames
constexpr u32 kDefaultMaptrackFrames = 1024;  // and max_maptrack_frames
constexpr u64 kMaxCacheflushPages = u64{1} << 18;

i64 createdomain(DomctlCall& c) {
    const xen_domctl_createdomain& cfg = c.op.u.createdomain;
    constexpr u32 kRequired = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    constexpr u32 kAllowed = kRequired | XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain |
                             XEN_DOMCTL_CDF_s3_integrity;
    if ((cfg.flags & kRequired) != kRequired || (cfg.flags & ~kAllowed) != 0) return -kEINVAL;
    if (cfg.iommu_opts != 0 || cfg.vmtrace_size != 0 || cfg.arch.tee_type != XEN_DOMCTL_CONFIG_TEE_NONE)
        return -kEINVAL;
    if (XEN_DOMCTL_GRANT_version(cfg.grant_opts) > 1) return -kEINVAL;  // v1 only on Arm
    u8 gic = cfg.arch.gic_version;
    if (gic != XEN_DOMCTL_CONFIG_GIC_NATIVE && gic != XEN_DOMCTL_CONFIG_GIC_V3) return -kEOPNOTSUPP;
    if (cfg.max_grant_frames < -1 || cfg.max_maptrack_frames < -1) return -kEINVAL;
    DomainParams p;
    p.domid = c.op.domain;
    p.max_vcpus = cfg.max_vcpus;
    p.max_evtchn_port = cfg.max_evtchn_port;
    p.max_grant_frames = cfg.max_grant_frames < 0 ? kDefaultGrantFrames : static_cast<u32>(cfg.max_grant_frames);
    p.max_maptrack_frames =
        cfg.max_maptrack_frames < 0 ? kDefaultMaptrackFrames : static_cast<u32>(cfg.max_maptrack_frames);
    p.nr_spis = cfg.arch.nr_spis;
    p.ssidref = cfg.ssidref;
    __builtin_memcpy(p.handle, cfg.handle, sizeof p.handle);
    Domain* d = nullptr;
    if (i64 rc = create_domain(p, d); rc != 0) return rc;
    c.op.domain = d->id;
    c.op.u.createdomain.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_V3;
    c.copy_back = true;
    return 0;
}

i64 destroydomain(DomctlCall& c) {
    if (c.d == c.caller.domain) return -kEINVAL;
    return destroy_domain(*c.d);
}

i64 pausedomain(DomctlCall& c) {
    if (c.d == c.caller.domain) return -kEINVAL;
    if (c.d->pause_count >= 255) return -kEBUSY;
    ++c.d->pause_count;
    sched::unload_domain(*c.d);  // kicks the pCPUs running it so that they stop
    return 0;
}

i64 unpausedomain(DomctlCall& c) {
    if (c.d == c.caller.domain || c.d->pause_count == 0) return -kEINVAL;
    if (--c.d->pause_count == 0) {
        for (u32 i = 0; i < c.d->nr_vcpus; ++i) {
            Vcpu& v = c.d->vcpus[i];
            if (sched::can_run(v) && v.pcpu != this_cpu().id) arch::kick_cpu(v.pcpu);
        }
    }
    return 0;
}

i64 getdomaininfo(DomctlCall& c) {
    // Xen answers with the first domain whose id is at least the one asked for.
    Domain* d = next_domain(c.op.domain);
    if (d == nullptr) return -kESRCH;
    fill_domaininfo(*d, c.op.u.getdomaininfo);
    c.op.domain = d->id;
    c.copy_back = true;
    return 0;
}

i64 max_mem(DomctlCall& c) {
    u64 pages = c.op.u.max_mem.max_memkb >> (kPageShift - 10);
    c.d->max_pages = pages > 0xffffffffull ? 0xffffffffull : pages;  // Xen keeps an unsigned int
    return 0;
}

i64 setdomainhandle(DomctlCall& c) {
    __builtin_memcpy(c.d->handle, c.op.u.setdomainhandle.handle, sizeof c.d->handle);
    return 0;
}

i64 cacheflush(DomctlCall& c) {
    const xen_domctl_cacheflush& f = c.op.u.cacheflush;
    if (f.nr_pfns > kMaxCacheflushPages || f.start_pfn + f.nr_pfns < f.start_pfn) return -kEINVAL;
    for (u64 gfn = f.start_pfn; gfn < f.start_pfn + f.nr_pfns; ++gfn) {
        mm::P2mEntry e = c.d->p2m.lookup(IPAddr(gfn << kPageShift));
        if (e.type == mm::P2mType::kRam) arch::clean_dcache(arch::phys_to_virt(e.pa), kPageSize);
    }
    return 0;
}

i64 iomem_permission(DomctlCall& c) {
    const xen_domctl_iomem_permission& p = c.op.u.iomem_permission;
    if (p.nr_mfns == 0 || p.first_mfn + p.nr_mfns < p.first_mfn) return -kEINVAL;
    Domain& d = *c.d;
    for (u32 i = 0; i < d.nr_iomem; ++i) {
        if (d.iomem[i].first_mfn == p.first_mfn && d.iomem[i].nr_mfns == p.nr_mfns) {
            if (!p.allow_access) d.iomem[i] = d.iomem[--d.nr_iomem];
            return 0;
        }
    }
    if (!p.allow_access) return 0;
    if (d.nr_iomem == Domain::kMaxIomem) return -kENOSPC;
    d.iomem[d.nr_iomem++] = {p.first_mfn, p.nr_mfns};
    return 0;
}

i64 irq_permission(DomctlCall& c) {
    const xen_domctl_irq_permission& p = c.op.u.irq_permission;
    if (p.pirq >= 1024) return -kEINVAL;
    u64 bit = u64{1} << (p.pirq % 64);
    if (p.allow_access) c.d->irq_allowed[p.pirq / 64] |= bit;
    else c.d->irq_allowed[p.pirq / 64] &= ~bit;
    return 0;
}

i64 paging_mempool(DomctlCall& c) {
    // Our stage-2 tables come from the common heap: accept the size, report what was set.
    if (c.op.cmd == XEN_DOMCTL_get_paging_mempool_size) {
        c.op.u.paging_mempool.size = c.d->p2m.table_pages() << kPageShift;
        c.copy_back = true;
    } else if ((c.op.u.paging_mempool.size & (kPageSize - 1)) != 0) {
        return -kEINVAL;
    }
    return 0;
}

struct Entry {
    u32 cmd;
    i64 (*handler)(DomctlCall&);
    bool needs_domain;  ///< op.domain must name an existing domain (-ESRCH otherwise)
};

constexpr Entry kDomctls[] = {
    {XEN_DOMCTL_createdomain, createdomain, false},
    {XEN_DOMCTL_destroydomain, destroydomain, true},
    {XEN_DOMCTL_pausedomain, pausedomain, true},
    {XEN_DOMCTL_unpausedomain, unpausedomain, true},
    {XEN_DOMCTL_getdomaininfo, getdomaininfo, false},
    {XEN_DOMCTL_setvcpuaffinity, domctl_setvcpuaffinity, true},
    {XEN_DOMCTL_max_mem, max_mem, true},
    {XEN_DOMCTL_setvcpucontext, domctl_setvcpucontext, true},
    {XEN_DOMCTL_getvcpucontext, domctl_getvcpucontext, true},
    {XEN_DOMCTL_getvcpuinfo, domctl_getvcpuinfo, true},
    {XEN_DOMCTL_max_vcpus, domctl_max_vcpus, true},
    {XEN_DOMCTL_setdomainhandle, setdomainhandle, true},
    {XEN_DOMCTL_irq_permission, irq_permission, true},
    {XEN_DOMCTL_iomem_permission, iomem_permission, true},
    {XEN_DOMCTL_getvcpuaffinity, domctl_getvcpuaffinity, true},
    {XEN_DOMCTL_cacheflush, cacheflush, true},
    {XEN_DOMCTL_get_paging_mempool_size, paging_mempool, true},
    {XEN_DOMCTL_set_paging_mempool_size, paging_mempool, true},
};

}  // namespace

void fill_domaininfo(const Domain& d, xen_domctl_getdomaininfo& info) {
    info = xen_domctl_getdomaininfo{};
    info.domain = d.id;
    u32 online = 0;
    bool all_blocked = true, running = false;
    u64 cpu_time = 0;
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        const Vcpu& v = d.vcpus[i];
        cpu_time += sched::cpu_time_ns(v);
        if (v.state == VcpuState::kOffline) continue;
        ++online;
        if (v.state != VcpuState::kBlocked) all_blocked = false;
        if (v.loaded_on >= 0 && sched::can_run(v) && cpu(static_cast<u32>(v.loaded_on)).current == &v)
            running = true;
    }
    u32 flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
    if (d.dying) flags |= XEN_DOMINF_dying;
    if (d.is_shutdown) flags |= XEN_DOMINF_shutdown | ((d.shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
    if (d.pause_count > 0) flags |= XEN_DOMINF_paused;
    if (online > 0 && all_blocked) flags |= XEN_DOMINF_blocked;
    if (running) flags |= XEN_DOMINF_running;
    info.flags = flags;
    info.tot_pages = d.ram_pages;
    info.max_pages = d.direct_mapped ? d.ram_pages : d.max_pages;
    info.shared_info_frame = d.shared_info_gfn == ~u64{0} ? 0 : d.shared_info_gfn;
    info.cpu_time = cpu_time;
    info.nr_online_vcpus = online;
    info.max_vcpu_id = d.nr_vcpus > 0 ? d.nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
    info.ssidref = d.ssidref;
    __builtin_memcpy(info.handle, d.handle, sizeof info.handle);
    info.gpaddr_bits = 40;
    info.arch_config.gic_version = XEN_DOMCTL_CONFIG_GIC_V3;
    info.arch_config.nr_spis = d.dist.nr_spis;
}

i64 domctl(Vcpu& v, GVAddr arg) {
    if (!v.domain->privileged) return -kEPERM;
    xen_domctl op;
    if (!get_guest(v, arg, op)) return -kEFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION) return -kEACCES;
    for (const Entry& e : kDomctls) {
        if (e.cmd != op.cmd) continue;
        Domain* d = nullptr;
        if (e.needs_domain && (d = resolve_domid(*v.domain, op.domain)) == nullptr) return -kESRCH;
        DomctlCall call{v, op, d};
        i64 rc = e.handler(call);
        if (rc == 0 && call.copy_back && !put_guest(v, arg, op)) return -kEFAULT;
        return rc;
    }
    return -kENOSYS;
}

}  // namespace hv::hypercall
