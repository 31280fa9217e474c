// FakeXen: Xen 4.17's answers to the toolstack's hypercalls, over libs' fakes.
#include "fake_xen.h"

#include <xen/sched.h>
#include <xen/version.h>

#include <cerrno>
#include <cstring>

namespace tessera::test {

using xen::guest_handle_pointer;

FakeXen::FakeXen() {
    Domain dom0;
    dom0.id = 0;
    dom0.max_memkb = 512 * 1024;
    dom0.tot_pages = 512 * 256;
    dom0.cpu_time_ns = 12'345'000'000;
    dom0.vcpus.resize(2);
    for (uint32_t i = 0; i < 2; ++i) {
        dom0.vcpus[i].online = true;
        dom0.vcpus[i].running = i == 0;
        dom0.vcpus[i].blocked = i != 0;
        dom0.vcpus[i].cpu = i;
        dom0.vcpus[i].hard = all_cpus();
        dom0.vcpus[i].soft = all_cpus();
    }
    domains[0] = dom0;
    script_domctls();
    script_sysctls();
    script_other_ops();
}

std::vector<uint8_t> FakeXen::all_cpus() const {
    std::vector<uint8_t> map((nr_cpus + 7) / 8);
    for (uint32_t c = 0; c < nr_cpus; ++c) map[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
    return map;
}

void FakeXen::guest_shutdown(domid_t id, unsigned reason) {
    Domain& d = dom(id);
    d.shutdown = true;
    d.reason = reason;
    for (Vcpu& v : d.vcpus) v.running = v.blocked = false;
}

std::vector<std::byte> FakeXen::read_guest(domid_t id, uint64_t gpa, size_t size) {
    std::vector<std::byte> out;
    xen::FakeDomain* d = world.find(id);
    while (d != nullptr && out.size() < size) {
        const uint64_t at = gpa + out.size();
        auto page = d->page(at >> 12);
        if (page.empty()) break;
        const size_t off = at & 0xfff;
        const size_t n = std::min(size - out.size(), size_t{4096} - off);
        out.insert(out.end(), page.begin() + static_cast<long>(off),
                   page.begin() + static_cast<long>(off + n));
    }
    return out;
}

xen_domctl_getdomaininfo FakeXen::info_of(const Domain& d) const {
    xen_domctl_getdomaininfo x{};
    x.domain = d.id;
    x.flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
    if (d.dying) x.flags |= XEN_DOMINF_dying;
    if (d.shutdown) x.flags |= XEN_DOMINF_shutdown | (d.reason << XEN_DOMINF_shutdownshift);
    if (d.paused) x.flags |= XEN_DOMINF_paused;
    bool running = false, blocked = !d.vcpus.empty();
    uint32_t online = 0;
    for (const Vcpu& v : d.vcpus) {
        online += v.online;
        running |= v.running;
        blocked &= v.blocked || !v.online;
    }
    if (running) x.flags |= XEN_DOMINF_running;
    if (blocked && online > 0) x.flags |= XEN_DOMINF_blocked;
    x.tot_pages = d.tot_pages;
    x.max_pages = d.max_memkb / 4;
    x.cpu_time = d.cpu_time_ns;
    x.nr_online_vcpus = online;
    x.max_vcpu_id =
        d.vcpus.empty() ? XEN_INVALID_MAX_VCPU_ID : static_cast<uint32_t>(d.vcpus.size() - 1);
    std::memcpy(x.handle, d.config.handle, sizeof x.handle);
    return x;
}

void FakeXen::script_domctls() {
    auto on = [this](uint32_t cmd, std::function<long(xen_domctl&)> h) {
        hv.on_domctl(cmd, [this, cmd, h](xen_domctl& op) -> long {
            if (auto f = fail_domctl.find(cmd); f != fail_domctl.end()) return -f->second;
            if (cmd != XEN_DOMCTL_createdomain && cmd != XEN_DOMCTL_getdomaininfo &&
                !domains.contains(op.domain)) {
                return -ESRCH;
            }
            return h(op);
        });
    };
    on(XEN_DOMCTL_createdomain, [this](xen_domctl& op) -> long {
        auto& c = op.u.createdomain;
        if (c.flags != (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap)) return -EINVAL;
        if (c.max_vcpus < 1 || c.max_vcpus > 8) return -EINVAL;
        if (c.arch.gic_version == XEN_DOMCTL_CONFIG_GIC_NATIVE) {
            c.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_V3;
        }
        Domain d;
        d.id = next_domid_++;
        d.config = c;
        d.paused = true;
        d.vcpus.resize(c.max_vcpus);
        for (Vcpu& v : d.vcpus) v.hard = v.soft = all_cpus();
        auto guest = world.add_domain(d.id, kFirstGfn, kGuestFrames);
        if (!guest) return -ENOMEM;
        for (size_t i = 0; i < kGuestFrames; ++i) (*guest)->unpopulate(kFirstGfn + i);
        op.domain = d.id;
        domains[d.id] = std::move(d);
        return 0;
    });
    on(XEN_DOMCTL_destroydomain, [this](xen_domctl& op) -> long {
        if (destroy_eagain > 0) {
            --destroy_eagain;
            return -EAGAIN;
        }
        domains.erase(op.domain);
        destroyed.push_back(op.domain);
        return 0;
    });
    on(XEN_DOMCTL_pausedomain, [this](xen_domctl& op) -> long {
        dom(op.domain).paused = true;
        return 0;
    });
    on(XEN_DOMCTL_unpausedomain, [this](xen_domctl& op) -> long {
        dom(op.domain).paused = false;
        return 0;
    });
    on(XEN_DOMCTL_getdomaininfo, [this](xen_domctl& op) -> long {
        auto it = domains.lower_bound(op.domain);  // Xen: the first domain >= the id asked
        if (it == domains.end()) return -ESRCH;
        op.domain = it->first;
        op.u.getdomaininfo = info_of(it->second);
        return 0;
    });
    on(XEN_DOMCTL_set_paging_mempool_size, [this](xen_domctl& op) -> long {
        dom(op.domain).paging_pool = op.u.paging_mempool.size;
        return 0;
    });
    on(XEN_DOMCTL_max_mem, [this](xen_domctl& op) -> long {
        dom(op.domain).max_memkb = op.u.max_mem.max_memkb;
        return 0;
    });
    auto affinity = [this](xen_domctl& op, bool set) -> long {
        auto& a = op.u.vcpuaffinity;
        Domain& d = dom(op.domain);
        if (a.vcpu >= d.vcpus.size()) return -EINVAL;
        Vcpu& v = d.vcpus[a.vcpu];
        const std::pair<uint32_t, std::pair<xenctl_bitmap*, std::vector<uint8_t>*>> maps[] = {
            {XEN_VCPUAFFINITY_HARD, {&a.cpumap_hard, &v.hard}},
            {XEN_VCPUAFFINITY_SOFT, {&a.cpumap_soft, &v.soft}}};
        for (auto [flag, m] : maps) {
            if (!(a.flags & flag)) continue;
            auto* bits = guest_handle_pointer<uint8_t>(m.first->bitmap);
            const size_t bytes = (m.first->nr_bits + 7) / 8;
            if (!hv.in_buffer(bits, bytes)) return -EFAULT;
            if (set) {
                std::vector<uint8_t> want(bits, bits + bytes);
                want.resize(m.second->size());
                bool any = false;  // Xen keeps only online CPUs and refuses an empty hard map
                for (size_t i = 0; i < want.size(); ++i) {
                    want[i] &= all_cpus()[i];
                    any |= want[i] != 0;
                }
                if (!any && flag == XEN_VCPUAFFINITY_HARD) return -EINVAL;
                *m.second = want;
            }
            for (size_t i = 0; i < bytes; ++i) bits[i] = i < m.second->size() ? (*m.second)[i] : 0;
        }
        return 0;
    };
    on(XEN_DOMCTL_setvcpuaffinity, [affinity](xen_domctl& op) { return affinity(op, true); });
    on(XEN_DOMCTL_getvcpuaffinity, [affinity](xen_domctl& op) { return affinity(op, false); });
    on(XEN_DOMCTL_getvcpuinfo, [this](xen_domctl& op) -> long {
        Domain& d = dom(op.domain);
        auto& i = op.u.getvcpuinfo;
        if (i.vcpu >= d.vcpus.size()) return -ESRCH;
        const Vcpu& v = d.vcpus[i.vcpu];
        i.online = v.online;
        i.blocked = v.blocked;
        i.running = v.running;
        i.cpu_time = v.time_ns;
        i.cpu = v.cpu;
        return 0;
    });
    on(XEN_DOMCTL_setvcpucontext, [this](xen_domctl& op) -> long {
        Domain& d = dom(op.domain);
        auto* ctxt = guest_handle_pointer<vcpu_guest_context_t>(op.u.vcpucontext.ctxt);
        if (!hv.in_buffer(ctxt, sizeof *ctxt)) return -EFAULT;
        if (op.u.vcpucontext.vcpu >= d.vcpus.size()) return -EINVAL;
        Vcpu& v = d.vcpus[op.u.vcpucontext.vcpu];
        v.context = *ctxt;
        if (ctxt->flags & VGCF_online) v.online = true;
        return 0;
    });
    on(XEN_DOMCTL_cacheflush, [this](xen_domctl& op) -> long {
        if (op.u.cacheflush.nr_pfns > (1u << 18)) return -EINVAL;
        dom(op.domain).flushes.emplace_back(op.u.cacheflush.start_pfn, op.u.cacheflush.nr_pfns);
        return 0;
    });
}

void FakeXen::script_sysctls() {
    hv.on_sysctl(XEN_SYSCTL_getdomaininfolist, [this](xen_sysctl& op) -> long {
        auto& l = op.u.getdomaininfolist;
        auto* out = guest_handle_pointer<xen_domctl_getdomaininfo_t>(l.buffer);
        if (!hv.in_buffer(out, l.max_domains * sizeof *out)) return -EFAULT;
        uint32_t n = 0;
        for (auto it = domains.lower_bound(l.first_domain);
             it != domains.end() && n < l.max_domains; ++it) {
            out[n++] = info_of(it->second);
        }
        l.num_domains = n;
        return 0;
    });
    hv.on_sysctl(XEN_SYSCTL_physinfo, [this](xen_sysctl& op) -> long {
        auto& p = op.u.physinfo;
        p.nr_cpus = nr_cpus;
        p.max_cpu_id = nr_cpus - 1;
        p.threads_per_core = 1;
        p.cores_per_socket = nr_cpus;
        p.nr_nodes = 1;
        p.cpu_khz = 62500;
        p.capabilities =
            XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap | XEN_SYSCTL_PHYSCAP_gnttab_v1;
        p.total_pages = 1024u * 256;  // 1 GiB
        p.free_pages = free_pages;
        return 0;
    });
    hv.on_sysctl(XEN_SYSCTL_readconsole, [this](xen_sysctl& op) -> long {
        auto& r = op.u.readconsole;
        auto* buf = guest_handle_pointer<char>(r.buffer);
        if (!hv.in_buffer(buf, r.count)) return -EFAULT;
        const size_t from = r.incremental ? std::min<size_t>(r.index, console.size()) : 0;
        const size_t n = std::min<size_t>(r.count, console.size() - from);
        std::memcpy(buf, console.data() + from, n);
        r.count = static_cast<uint32_t>(n);
        r.index = static_cast<uint32_t>(from + n);
        if (r.clear) console.clear();
        return 0;
    });
    hv.on_sysctl(XEN_SYSCTL_sched_id, [](xen_sysctl& op) -> long {
        op.u.sched_id.sched_id = XEN_SCHEDULER_NULL;
        return 0;
    });
}

void FakeXen::script_other_ops() {
    hv.on_memory_op(XENMEM_populate_physmap, [this](void* arg) -> long {
        auto* r = static_cast<xen_memory_reservation*>(arg);
        auto* gfns = guest_handle_pointer<xen_pfn_t>(r->extent_start);
        if (!hv.in_buffer(gfns, r->nr_extents * sizeof *gfns)) return -EFAULT;
        if (!domains.contains(r->domid) || r->extent_order != 0) return -EINVAL;
        xen::FakeDomain* guest = world.find(r->domid);
        long done = 0;
        for (; done < static_cast<long>(r->nr_extents); ++done) {
            if (guest == nullptr || !guest->populate(gfns[done])) break;
            ++dom(r->domid).tot_pages;
        }
        return done;
    });
    hv.on_hvm_op(HVMOP_set_param, [this](void* arg) -> long {
        auto* p = static_cast<xen_hvm_param*>(arg);
        if (!domains.contains(p->domid)) return -ESRCH;
        dom(p->domid).params[p->index] = p->value;
        return 0;
    });
    hv.on_event_channel_op(EVTCHNOP_alloc_unbound, [this](void* arg) -> long {
        auto* op = static_cast<evtchn_alloc_unbound*>(arg);
        if (!domains.contains(op->dom)) return -ESRCH;
        op->port = dom(op->dom).next_port++;
        return 0;
    });
    hv.on_hypercall(__HYPERVISOR_sched_op, [this](const std::array<uint64_t, 5>& args) -> long {
        if (args[0] != SCHEDOP_remote_shutdown) return -ENOSYS;
        auto* r = reinterpret_cast<sched_remote_shutdown_t*>(static_cast<uintptr_t>(args[1]));
        if (!hv.in_buffer(r, sizeof *r)) return -EFAULT;
        if (!domains.contains(r->domain_id)) return -ESRCH;
        guest_shutdown(r->domain_id, r->reason);
        return 0;
    });
    hv.on_hypercall(__HYPERVISOR_xen_version, [this](const std::array<uint64_t, 5>& args) -> long {
        auto* out = reinterpret_cast<char*>(static_cast<uintptr_t>(args[1]));
        auto copy = [&](const char* text, size_t size) -> long {
            if (!hv.in_buffer(out, size)) return -EFAULT;
            std::strncpy(out, text, size);
            return 0;
        };
        switch (args[0]) {
            case XENVER_version:
                return (4 << 16) | 17;
            case XENVER_extraversion:
                return copy(".0", sizeof(xen_extraversion_t));
            case XENVER_capabilities:
                return copy("xen-3.0-aarch64", 1024);
            case XENVER_pagesize:
                return 4096;
            case XENVER_commandline:
                return copy("dom0_mem=512M", 1024);
            default:
                return -ENOSYS;
        }
    });
}

}  // namespace tessera::test
