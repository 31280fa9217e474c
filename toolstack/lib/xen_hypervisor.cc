// toolstack::Hypervisor over libs/hvcall and libs/foreignmem (libxl + libxenguest's Arm builder).
#include "toolstack/xen_hypervisor.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "hvcall/control.hpp"

namespace tessera::toolstack {
namespace {

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
    return b;
}

/// First failed frame of a foreign mapping, as an error naming its guest frame.
Result<void> check_mapping(const xen::ForeignMapping& map, uint64_t first_gfn, DomId dom) {
    const auto errors = map.errors();
    for (size_t i = 0; i < errors.size(); ++i) {
        if (errors[i] != 0) {
            return fail("cannot map frame " + hex(first_gfn + i) + " of domain " +
                        std::to_string(dom) + ": " + std::strerror(-errors[i]));
        }
    }
    return {};
}

/// A grant entry giving `to` access to `gfn` (what a guest's gnttab_grant_foreign_access does).
grant_entry_v1_t grant_for(DomId to, uint64_t gfn) {
    grant_entry_v1_t e{};
    e.flags = GTF_permit_access;
    e.domid = static_cast<domid_t>(to);
    e.frame = static_cast<uint32_t>(gfn);
    return e;
}

/// Writes the two reserved entries into a mapped grant-table frame: frame and domid first,
/// then the flags that make each entry valid.
void write_reserved(std::byte* table, const grant_entry_v1_t& console,
                    const grant_entry_v1_t& xenstore) {
    auto* entries = reinterpret_cast<grant_entry_v1_t*>(table);
    const std::pair<unsigned, const grant_entry_v1_t*> seeds[] = {
        {GNTTAB_RESERVED_CONSOLE, &console}, {GNTTAB_RESERVED_XENSTORE, &xenstore}};
    for (auto [ref, e] : seeds) {
        entries[ref].frame = e->frame;
        entries[ref].domid = e->domid;
        std::atomic_thread_fence(std::memory_order_release);
        entries[ref].flags = e->flags;
    }
}

}  // namespace

Error from_xen(const xen::Error& e) {
    return Error{e.message};
}

std::vector<uint8_t> cpu_bitmap(const CpuSet& set, uint32_t nr_cpus) {
    std::vector<uint8_t> map((nr_cpus + 7) / 8);
    for (uint32_t cpu = 0; cpu < nr_cpus; ++cpu) {
        if (set.contains(cpu)) map[cpu / 8] |= static_cast<uint8_t>(1u << (cpu % 8));
    }
    return map;
}

xen::Result<void> destroy_domain_retrying(xen::Hypervisor& hv, DomId dom) {
    // Xen answers EAGAIN while the domain's vCPUs are still being descheduled; libxc loops on
    // it. Bounded here (about 10 s) so that a stuck hypervisor cannot hang xl forever.
    for (int attempt = 0;; ++attempt) {
        auto r = xen::destroy_domain(hv, static_cast<domid_t>(dom));
        if (r || r.error().code != EAGAIN || attempt >= 10000) return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 10 ? 0 : 1));
    }
}

Result<uint32_t> XenHypervisor::nr_cpus() {
    if (!nr_cpus_) {
        auto info = xen::physinfo(hv_);
        if (!info) return std::unexpected(from_xen(info.error()));
        nr_cpus_ = info->max_cpu_id + 1;
    }
    return *nr_cpus_;
}

Result<DomId> XenHypervisor::create_domain(const CreateDomainRequest& request) {
    xen_domctl_createdomain c{};
    std::memcpy(c.handle, request.handle.bytes.data(), sizeof c.handle);
    c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;  // every Arm guest (libxl_arm.c)
    c.max_vcpus = request.max_vcpus;
    c.max_evtchn_port = request.max_evtchn_port;
    c.max_grant_frames = request.max_grant_frames;
    c.max_maptrack_frames = request.max_maptrack_frames;
    c.grant_opts = XEN_DOMCTL_GRANT_version(1);
    c.arch.gic_version = request.gic_version;
    c.arch.tee_type = XEN_DOMCTL_CONFIG_TEE_NONE;
    c.arch.nr_spis = 0;  // no passthrough, vpl011 or virtio-mmio: no SPI
    auto dom = xen::create_domain(hv_, c);
    if (!dom) return std::unexpected(from_xen(dom.error()));
    if (request.paging_pool_kib != 0) {
        xen_domctl op{};
        op.cmd = XEN_DOMCTL_set_paging_mempool_size;
        op.domain = *dom;
        op.u.paging_mempool.size = request.paging_pool_kib * 1024;
        // A hypervisor without the pool interface (ENOSYS, EOPNOTSUPP) sizes it itself.
        if (auto r = hv_.domctl(op);
            !r && r.error().code != ENOSYS && r.error().code != EOPNOTSUPP) {
            (void)destroy_domain_retrying(hv_, *dom);
            return fail("XEN_DOMCTL_set_paging_mempool_size: " + r.error().message);
        }
    }
    return DomId{*dom};
}

Result<void> XenHypervisor::set_max_mem(DomId dom, uint64_t max_kib) {
    return lift(xen::set_max_mem(hv_, static_cast<domid_t>(dom), max_kib));
}

Result<void> XenHypervisor::set_vcpu_affinity(DomId dom, uint32_t vcpu, const CpuSet* hard,
                                              const CpuSet* soft) {
    if (!hard && !soft) return {};
    auto n = nr_cpus();
    if (!n) return std::unexpected(n.error());
    xen::VcpuAffinity maps;
    if (hard) maps.hard = cpu_bitmap(*hard, *n);
    if (soft) maps.soft = cpu_bitmap(*soft, *n);
    auto r = xen::set_vcpu_affinity(hv_, static_cast<domid_t>(dom), vcpu, maps);
    if (!r) return std::unexpected(from_xen(r.error()));
    return {};
}

Result<uint32_t> XenHypervisor::alloc_unbound_evtchn(DomId dom, DomId remote) {
    return lift(xen::alloc_unbound(hv_, static_cast<domid_t>(dom), static_cast<domid_t>(remote)));
}

Result<void> XenHypervisor::populate_physmap(DomId dom, uint64_t first_gfn, uint64_t count) {
    std::vector<xen_pfn_t> gfns;
    for (uint64_t done = 0; done < count;) {
        const uint64_t n = std::min<uint64_t>(kPopulateBatch, count - done);
        gfns.resize(n);
        for (uint64_t i = 0; i < n; ++i) gfns[i] = first_gfn + done + i;
        if (auto r = xen::populate_physmap(hv_, static_cast<domid_t>(dom), gfns); !r) {
            return fail(r.error().message + " (frames from " + hex(first_gfn + done) + ")");
        }
        done += n;
    }
    return {};
}

Result<void> XenHypervisor::copy_to_guest(DomId dom, uint64_t gpa,
                                          std::span<const std::byte> data) {
    if (data.empty()) return {};
    const uint64_t first_gfn = gpa >> kXenPageShift;
    const uint64_t last_gfn = (gpa + data.size() - 1) >> kXenPageShift;
    std::vector<xen_pfn_t> gfns;
    for (uint64_t gfn = first_gfn; gfn <= last_gfn; gfn += kCopyBatchPages) {
        const uint64_t n = std::min<uint64_t>(kCopyBatchPages, last_gfn - gfn + 1);
        gfns.resize(n);
        for (uint64_t i = 0; i < n; ++i) gfns[i] = gfn + i;
        auto map = memory_.map(static_cast<domid_t>(dom), gfns, PROT_READ | PROT_WRITE);
        if (!map) return std::unexpected(from_xen(map.error()));
        if (auto ok = check_mapping(*map, gfn, dom); !ok) return ok;
        // The part of [gpa, gpa + size) that falls in these frames.
        const uint64_t window_start = std::max(gpa, gfn << kXenPageShift);
        const uint64_t window_end = std::min(gpa + data.size(), (gfn + n) << kXenPageShift);
        std::memcpy(map->data() + (window_start - (gfn << kXenPageShift)),
                    data.data() + (window_start - gpa), window_end - window_start);
    }
    return {};
}

Result<void> XenHypervisor::flush_cache(DomId dom, uint64_t first_gfn, uint64_t count) {
    for (uint64_t done = 0; done < count;) {
        const uint64_t n = std::min(kFlushBatch, count - done);
        auto r = xen::cache_flush(hv_, static_cast<domid_t>(dom), first_gfn + done, n);
        if (!r) return std::unexpected(from_xen(r.error()));
        done += n;
    }
    return {};
}

Result<void> XenHypervisor::set_hvm_param(DomId dom, uint32_t param, uint64_t value) {
    return lift(xen::set_hvm_param(hv_, static_cast<domid_t>(dom), param, value));
}

Result<void> XenHypervisor::seed_grant_table(DomId dom, uint64_t console_gfn, DomId console_domid,
                                             uint64_t xenstore_gfn, DomId xenstore_domid) {
    const grant_entry_v1_t console = grant_for(console_domid, console_gfn);
    const grant_entry_v1_t xenstore = grant_for(xenstore_domid, xenstore_gfn);
    auto table = memory_.map_resource(static_cast<domid_t>(dom), XENMEM_resource_grant_table,
                                      XENMEM_resource_grant_table_id_shared, 0, 1);
    if (!table) {
        // privcmd without MMAP_RESOURCE (ENOTTY) or Xen without the resource (EOPNOTSUPP).
        const int code = table.error().code;
        if (code == EOPNOTSUPP || code == ENOTTY) {
            return seed_through_physmap(dom, console, xenstore);
        }
        return fail("cannot map the grant table of domain " + std::to_string(dom) + ": " +
                    table.error().message);
    }
    write_reserved(table->data(), console, xenstore);
    return {};
}

Result<void> XenHypervisor::seed_through_physmap(DomId dom, const grant_entry_v1_t& console,
                                                 const grant_entry_v1_t& xenstore) {
    // On Arm the grant-table window is unused until the guest boots: its first frame is the
    // scratch frame libxenguest uses.
    const xen_pfn_t scratch = GUEST_GNTTAB_BASE >> kXenPageShift;
    xen_add_to_physmap add{};
    add.domid = static_cast<domid_t>(dom);
    add.space = XENMAPSPACE_grant_table;
    add.idx = 0;
    add.gpfn = scratch;
    if (auto r = hv_.memory_op(XENMEM_add_to_physmap, add); !r) {
        return fail("XENMEM_add_to_physmap of the grant table: " + r.error().message);
    }
    xen_remove_from_physmap remove{};
    remove.domid = static_cast<domid_t>(dom);
    remove.gpfn = scratch;
    Result<void> result;
    {
        const xen_pfn_t gfn[] = {scratch};
        auto map = memory_.map(static_cast<domid_t>(dom), gfn, PROT_READ | PROT_WRITE);
        if (!map) {
            result = std::unexpected(from_xen(map.error()));
        } else if (auto ok = check_mapping(*map, scratch, dom); !ok) {
            result = ok;
        } else {
            write_reserved(map->data(), console, xenstore);
            result = lift(xen::cache_flush(hv_, static_cast<domid_t>(dom), scratch, 1));
        }
    }
    auto removed = hv_.memory_op(XENMEM_remove_from_physmap, remove);
    if (result && !removed) {
        return fail("XENMEM_remove_from_physmap of the grant table: " + removed.error().message);
    }
    return result;
}

Result<void> XenHypervisor::set_vcpu_context(DomId dom, uint32_t vcpu,
                                             const vcpu_guest_context_t& context) {
    return lift(xen::set_vcpu_context(hv_, static_cast<domid_t>(dom), vcpu, context));
}

Result<void> XenHypervisor::unpause(DomId dom) {
    return lift(xen::unpause_domain(hv_, static_cast<domid_t>(dom)));
}

Result<void> XenHypervisor::destroy(DomId dom) {
    return lift(destroy_domain_retrying(hv_, dom));
}

}  // namespace tessera::toolstack
