// The real toolstack::Hypervisor: domain building over libs/hvcall (domctls, memory_op, HVM and
// event-channel ops through privcmd) and libs/foreignmem (guest memory and grant table through
// MMAPBATCH_V2 and MMAP_RESOURCE). Works the same over the libraries' fakes in unit tests.
#pragma once

#include <type_traits>
#include <utility>

#include <optional>
#include <vector>

#include "foreignmem/foreign_memory.hpp"
#include "hvcall/hypervisor.hpp"
#include "toolstack/hypervisor.h"

namespace tessera::toolstack {

/// "<what>: <message>" from a libs error, as a toolstack Error.
Error from_xen(const xen::Error& e);

/// A libs/hvcall result as a toolstack result.
template <typename T>
Result<T> lift(xen::Result<T> r) {
    if (!r) return std::unexpected(from_xen(r.error()));
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return std::move(*r);
    }
}


/// Physical-CPU bitmap (xenctl_bitmap layout) of `nr_cpus` bits for a CpuSet.
std::vector<uint8_t> cpu_bitmap(const CpuSet& set, uint32_t nr_cpus);

class XenHypervisor final : public Hypervisor {
public:
    /// Guest pages mapped per MMAPBATCH while copying (4 MiB).
    static constexpr size_t kCopyBatchPages = 1024;
    /// Frames per XENMEM_populate_physmap call (one hypercall page of frame numbers).
    static constexpr size_t kPopulateBatch = 512;
    /// Pages per XEN_DOMCTL_cacheflush (Xen refuses more than 1 << MAX_ORDER at once).
    static constexpr uint64_t kFlushBatch = uint64_t{1} << 12;

    XenHypervisor(xen::Hypervisor& hv, xen::ForeignMemory& memory) : hv_(hv), memory_(memory) {}

    Result<DomId> create_domain(const CreateDomainRequest& request) override;
    Result<void> set_max_mem(DomId dom, uint64_t max_kib) override;
    Result<void> set_vcpu_affinity(DomId dom, uint32_t vcpu, const CpuSet* hard,
                                   const CpuSet* soft) override;
    Result<uint32_t> alloc_unbound_evtchn(DomId dom, DomId remote) override;
    Result<void> populate_physmap(DomId dom, uint64_t first_gfn, uint64_t count) override;
    Result<void> copy_to_guest(DomId dom, uint64_t gpa, std::span<const std::byte> data) override;
    Result<void> flush_cache(DomId dom, uint64_t first_gfn, uint64_t count) override;
    Result<void> set_hvm_param(DomId dom, uint32_t param, uint64_t value) override;
    Result<void> seed_grant_table(DomId dom, uint64_t console_gfn, DomId console_domid,
                                  uint64_t xenstore_gfn, DomId xenstore_domid) override;
    Result<void> set_vcpu_context(DomId dom, uint32_t vcpu,
                                  const vcpu_guest_context_t& context) override;
    Result<void> unpause(DomId dom) override;
    /// XEN_DOMCTL_destroydomain, retried while Xen answers EAGAIN (a vCPU is still being
    /// descheduled), as libxc's xc_domain_destroy does.
    Result<void> destroy(DomId dom) override;

private:
    /// Host CPUs a bitmap must cover (physinfo max_cpu_id + 1), asked once.
    Result<uint32_t> nr_cpus();
    /// libxenguest's fallback when the grant table cannot be acquired as a resource: map it
    /// into the guest's physmap at a scratch frame, write through a foreign mapping, remove it.
    Result<void> seed_through_physmap(DomId dom, const grant_entry_v1_t& console,
                                      const grant_entry_v1_t& xenstore);

    xen::Hypervisor& hv_;
    xen::ForeignMemory& memory_;
    std::optional<uint32_t> nr_cpus_;
};

/// Retries XEN_DOMCTL_destroydomain on EAGAIN (bounded, with a short sleep between tries).
xen::Result<void> destroy_domain_retrying(xen::Hypervisor& hv, DomId dom);

}  // namespace tessera::toolstack
