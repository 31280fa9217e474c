// What domain building needs from the hypervisor and from xenstore, as abstract interfaces.
// The real implementations are XenHypervisor (xen_hypervisor.h, over libs/hvcall and
// libs/foreignmem) and XenstoreDomains (xs_domains.h, over libs/xs); unit tests also use fakes
// that record the calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "toolstack/cpu_set.h"
#include "toolstack/result.h"
#include "toolstack/uuid.h"
#include "toolstack/xen_abi.h"
#include "toolstack/xenstore_layout.h"

namespace tessera::toolstack {

using DomId = uint32_t;

/// Xen's ABI page: 4 KiB on Arm whatever the guest's own granule (XEN_PAGE_SHIFT, xen/io/ring.h).
inline constexpr unsigned kXenPageShift = 12;
inline constexpr uint64_t kXenPageSize = uint64_t{1} << kXenPageShift;

/// The fields of Xen's xen_domctl_createdomain (domctl.h) that a guest's configuration decides.
struct CreateDomainRequest {
    Uuid handle;
    uint32_t max_vcpus = 1;
    uint32_t max_evtchn_port = 0;
    int32_t max_grant_frames = 0;
    int32_t max_maptrack_frames = 0;
    uint8_t gic_version = XEN_DOMCTL_CONFIG_GIC_NATIVE;  ///< XEN_DOMCTL_CONFIG_GIC_* (arch-arm.h)
    /// Xen's paging (P2M) memory pool for the domain, set right after creation as libxl 4.17
    /// does on Arm (XEN_DOMCTL_set_paging_mempool_size); 0 leaves Xen's default.
    uint64_t paging_pool_kib = 0;
};

/// libxl's default paging pool on Arm: 1 MiB per vCPU, plus 1 page per MiB of RAM for the P2M,
/// plus 128 MiB worth of pages for extended regions (libxl__get_required_paging_memory).
inline uint64_t default_paging_pool_kib(uint64_t max_memkb, uint32_t max_vcpus) {
    return 4 * (256 * uint64_t{max_vcpus} + max_memkb / 1024 + 128);
}

/// Hypercalls used to build a domain, one method per operation (domctl, memory_op, evtchn_op...).
class Hypervisor {
public:
    virtual ~Hypervisor() = default;

    /// XEN_DOMCTL_createdomain (and the paging pool); returns the new domain id. The domain
    /// starts paused. On failure no domain is left.
    virtual Result<DomId> create_domain(const CreateDomainRequest& request) = 0;
    /// XEN_DOMCTL_max_mem.
    virtual Result<void> set_max_mem(DomId dom, uint64_t max_kib) = 0;
    /// XEN_DOMCTL_setvcpuaffinity; a null set leaves that affinity unchanged.
    virtual Result<void> set_vcpu_affinity(DomId dom, uint32_t vcpu, const CpuSet* hard,
                                           const CpuSet* soft) = 0;
    /// EVTCHNOP_alloc_unbound: a port in `dom` that `remote` may bind.
    virtual Result<uint32_t> alloc_unbound_evtchn(DomId dom, DomId remote) = 0;
    /// XENMEM_populate_physmap of `count` 4 KiB pages from guest frame `first_gfn`.
    virtual Result<void> populate_physmap(DomId dom, uint64_t first_gfn, uint64_t count) = 0;
    /// Maps the guest pages covering [gpa, gpa + data.size()) and copies `data` there.
    virtual Result<void> copy_to_guest(DomId dom, uint64_t gpa,
                                       std::span<const std::byte> data) = 0;
    /// XEN_DOMCTL_cacheflush of `count` pages: what was copied must reach memory before boot.
    virtual Result<void> flush_cache(DomId dom, uint64_t first_gfn, uint64_t count) = 0;
    /// HVMOP_set_param.
    virtual Result<void> set_hvm_param(DomId dom, uint32_t param, uint64_t value) = 0;
    /// Fills the reserved grant entries (GNTTAB_RESERVED_CONSOLE/XENSTORE, grant_table.h) so the
    /// console and xenstore backends can map the guest's rings.
    virtual Result<void> seed_grant_table(DomId dom, uint64_t console_gfn, DomId console_domid,
                                          uint64_t xenstore_gfn, DomId xenstore_domid) = 0;
    /// XEN_DOMCTL_setvcpucontext.
    virtual Result<void> set_vcpu_context(DomId dom, uint32_t vcpu,
                                          const vcpu_guest_context_t& context) = 0;
    /// XEN_DOMCTL_unpausedomain.
    virtual Result<void> unpause(DomId dom) = 0;
    /// XEN_DOMCTL_destroydomain (used to clean up after a failed build).
    virtual Result<void> destroy(DomId dom) = 0;
};

/// What a device's backend did with it (its state node: InitWait or later takes it, Closing or
/// Closed with an `error` node refuses it).
struct BackendAnswer {
    enum Kind { kTaken, kRefused, kSilent } kind = kSilent;
    std::string reason;  ///< kRefused: the backend's `error` node (or its state)
};

/// Writes the domain's xenstore entries and introduces the domain to xenstored.
class XenstoreWriter {
public:
    virtual ~XenstoreWriter() = default;

    /// Writes every entry (value and permissions) in one transaction.
    virtual Result<void> write(std::span<const XsEntry> entries) = 0;
    /// XS_INTRODUCE: xenstored starts serving the guest's ring.
    virtual Result<void> introduce_domain(DomId dom, uint64_t store_gfn, uint32_t store_port) = 0;
    /// Removes whatever write() and introduce_domain() created for the domain (and its device
    /// backends) and tells xenstored to release it. Used after a failed build and on destroy.
    virtual Result<void> forget_domain(DomId dom, const Uuid& uuid) = 0;
    /// Waits, `timeout` at most, until the backend directory `backend` says whether its
    /// daemon took the device (as libxl waits for each disk before it unpauses a guest).
    virtual Result<BackendAnswer> await_backend(const std::string& backend,
                                                std::chrono::milliseconds timeout) = 0;
};

}  // namespace tessera::toolstack
