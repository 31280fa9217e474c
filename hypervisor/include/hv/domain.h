// Domains and vCPUs: the objects every other core module hangs off.
#pragma once

#include "arch/vcpu_state.h"
#include "hv/addr.h"
#include "hv/event.h"
#include "hv/grant.h"
#include "hv/mm/p2m.h"
#include "hv/mmio.h"
#include "hv/vgic.h"

namespace hv {

struct Domain;
struct VcpuInfo;     // xen/xen.h vcpu_info, in guest memory
struct SharedInfo;   // xen/xen.h shared_info, in guest memory

enum class VcpuState : u8 {
    kOffline,   ///< never started, or PSCI CPU_OFF
    kRunnable,  ///< ready to run (or running)
    kBlocked,   ///< WFI or SCHEDOP_block: waits for an interrupt
    kPaused,    ///< the domain is paused or shut down
};

struct Vcpu {
    Domain* domain = nullptr;
    u32 id = 0;
    VcpuState state = VcpuState::kOffline;
    u32 pcpu = 0;                 ///< the physical CPU it runs on
    arch::ArchVcpu arch;
    vgic::VcpuIrqs irqs;

    // Xen ABI state (registered by the guest).
    VcpuInfo* vcpu_info = nullptr;  ///< hypervisor view of the registered vcpu_info
    u64 vcpu_info_gfn = ~u64{0};
    u64 switches_in = 0;          ///< times this vCPU was loaded on a pCPU (debug key 'd')

    // Scheduling.
    u64 hard_affinity = ~u64{0};  ///< pCPUs this vCPU may run on (bit n = pCPU n)
    u64 soft_affinity = ~u64{0};  ///< pCPUs it prefers (recorded; placement uses it first)
    i32 loaded_on = -1;           ///< the pCPU whose registers hold its state, or -1
    u64 run_since = 0;            ///< counter value when it was last loaded (while loaded)
    u64 run_ticks = 0;            ///< counter ticks spent loaded, up to run_since
};

struct Domain {
    static constexpr u32 kMaxVcpus = 8;

    u16 id = 0;
    bool privileged = false;     ///< dom0: control hypercalls allowed
    bool direct_mapped = false;  ///< guest-physical == host-physical (dom0)
    mm::P2m p2m;
    arch::ArchDomain arch;
    vgic::DistState dist;
    mmio::Bus mmio;
    IPAddr gicd_base;   ///< where the guest sees its distributor
    IPAddr gicr_base;   ///< and its redistributors (128 KiB per vCPU)

    Vcpu vcpus[kMaxVcpus];
    u32 nr_vcpus = 0;

    event::Table evtchn;
    grant::Table gnttab;
    u64 hvm_params[64] = {};   ///< HVM_PARAM_* values (HVM_NR_PARAMS is 39)

    static constexpr u32 kMaxRamBanks = 4;
    PRange ram[kMaxRamBanks];  ///< a direct-mapped domain's RAM (guest address = host address)
    u32 nr_ram = 0;

    bool is_shutdown = false;
    u32 shutdown_reason = 0;
    u32 pause_count = 0;         ///< controller pauses (domctl pausedomain; a new domU has 1)
    bool dying = false;          ///< destroydomain started: never runs again
    bool crashed_report = false; ///< VIRQ_DOM_EXC already raised for this shutdown

    // Toolstack-visible configuration (XEN_DOMCTL_createdomain, max_mem, permissions).
    u8 handle[16] = {};          ///< the toolstack's UUID for the domain
    u32 ssidref = 0;
    u64 max_pages = 0;           ///< populate_physmap stops here (XEN_DOMCTL_max_mem)
    u64 created_at = 0;          ///< counter value at creation
    static constexpr u32 kMaxIomem = 8;
    struct IomemRange {
        u64 first_mfn = 0, nr_mfns = 0;
    } iomem[kMaxIomem];          ///< iomem_permission grants (recorded; no passthrough yet)
    u32 nr_iomem = 0;
    u64 irq_allowed[1024 / 64] = {};  ///< irq_permission grants by pIRQ (recorded)

    SharedInfo* shared_info = nullptr;  ///< hypervisor view of the shared_info page
    PAddr shared_info_page;             ///< the page the hypervisor allocated for it
    u64 shared_info_gfn = ~u64{0};      ///< where the guest mapped it

    u64 ram_pages = 0;  ///< pages of RAM the domain owns (for accounting)
};

/// The domain with id `id`, or nullptr.
Domain* domain_by_id(u16 id);
/// The domain a hypercall from `caller` means by `id` (DOMID_SELF resolved), or nullptr.
Domain* resolve_domid(Domain& caller, u16 id);
/// Adds `d` to the registry; false if the id is taken or the table is full.
bool register_domain(Domain& d);
void unregister_domain(Domain& d);
/// Calls `f` for every registered domain.
void for_each_domain(void (*f)(Domain& d, void* ctx), void* ctx);
/// The registered domain with the smallest id >= `id`, or nullptr (getdomaininfo's walk).
Domain* next_domain(u16 id);
/// Registered domains.
u32 nr_domains();

}  // namespace hv
