// Creating and destroying unprivileged domains (XEN_DOMCTL_createdomain/destroydomain).
#include <new>

#include "hv/arch/memory.h"
#include "hv/arch/sched.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domain_mem.h"
#include "hv/domain_ops.h"
#include "hv/event.h"
#include "hv/grant.h"
#include "hv/mm/page_alloc.h"
#include "hv/sched.h"
#include "hv/vgic_mmio.h"
#include "hv/xen_abi.h"

namespace hv {
namespace {

constexpr usize kDomainPages = (sizeof(Domain) + kPageSize - 1) / kPageSize;
constexpr u32 kMaxVmids = 256;  // 8-bit VMIDs are always implemented (VTCR_EL2.VS = 0)
constexpr u32 kMaptrackPerFrame = kPageSize / 16;  // Xen's maptrack entries are 16 bytes

constinit u64 g_vmids[kMaxVmids / 64] = {0b11};  // VMID 0 unused, 1 is dom0's
constinit u16 g_domid_rover = 0;

u16 alloc_vmid() {
    for (u32 i = 2; i < kMaxVmids; ++i) {
        if ((g_vmids[i / 64] >> (i % 64)) & 1) continue;
        g_vmids[i / 64] |= u64{1} << (i % 64);
        return static_cast<u16>(i);
    }
    return 0;
}

void free_vmid(u16 vmid) { g_vmids[vmid / 64] &= ~(u64{1} << (vmid % 64)); }

/// The next free domain id after the last one handed out, as Xen does, so that an id is not
/// reused while a toolstack may still remember it.
u16 alloc_domid() {
    for (u32 tries = 0; tries < DOMID_FIRST_RESERVED; ++tries) {
        g_domid_rover = static_cast<u16>(g_domid_rover + 1u >= DOMID_FIRST_RESERVED ? 1 : g_domid_rover + 1);
        if (domain_by_id(g_domid_rover) == nullptr) return g_domid_rover;
    }
    return 0;
}

/// Frees what create_domain or destroy_domain found allocated.
void free_domain(Domain& d) {
    if (d.shared_info != nullptr) mm::pages().free(d.shared_info_page);
    d.p2m.destroy();
    if (d.p2m.vmid() != 0) free_vmid(d.p2m.vmid());
    d.~Domain();
    mm::pages().free(arch::virt_to_phys(&d), kDomainPages);
}

}  // namespace

i64 create_domain(const DomainParams& p, Domain*& out) {
    if (p.max_vcpus == 0 || p.max_vcpus > Domain::kMaxVcpus) return -kEINVAL;
    if (p.nr_spis > vgic::kMaxSpis || p.max_grant_frames == 0 || p.max_grant_frames > grant::kMaxFrames)
        return -kEINVAL;
    if (u64{vgic::kGicrStride} * p.max_vcpus > GUEST_GICV3_GICR0_SIZE) return -kEINVAL;
    u16 id = p.domid;
    if (id != 0) {
        if (id >= DOMID_FIRST_RESERVED) return -kEINVAL;
        if (domain_by_id(id) != nullptr) return -kEEXIST;
    } else if ((id = alloc_domid()) == 0) {
        return -kENOSPC;
    }
    u16 vmid = alloc_vmid();
    if (vmid == 0) return -kENOSPC;
    PAddr mem = mm::pages().alloc(kDomainPages);
    if (mem.raw() == 0) {
        free_vmid(vmid);
        return -kENOMEM;
    }
    Domain& d = *new (arch::phys_to_virt(mem)) Domain();
    d.id = id;
    d.nr_vcpus = p.max_vcpus;
    d.pause_count = 1;  // a new domain waits for the toolstack's unpause
    d.ssidref = p.ssidref;
    __builtin_memcpy(d.handle, p.handle, sizeof d.handle);
    d.created_at = arch::counter();
    d.arch.cntvoff = d.created_at;  // its virtual counter starts near zero, as under Xen
    d.gnttab.max_frames = p.max_grant_frames;
    u64 maptrack = u64{p.max_maptrack_frames} * kMaptrackPerFrame;
    d.gnttab.max_maptrack = maptrack < grant::kMaxMaptrack ? static_cast<u32>(maptrack) : grant::kMaxMaptrack;
    event::init(d);
    if (p.max_evtchn_port < event::kMaxPorts) d.evtchn.max_port = p.max_evtchn_port;
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        Vcpu& v = d.vcpus[i];
        v.domain = &d;
        v.id = i;
        v.arch.vmpidr = ((i >> 4) << 8) | (i & 0xf);  // as dom0 and Xen: 16 vCPUs per cluster
    }
    if (!d.p2m.init(mm::pages(), vmid)) {
        free_domain(d);
        return -kENOMEM;
    }
    if (!vgic::attach(d, IPAddr(GUEST_GICV3_GICD_BASE), IPAddr(GUEST_GICV3_GICR0_BASE), p.nr_spis) ||
        !register_domain(d)) {
        free_domain(d);
        return -kENOMEM;
    }
    for (u32 i = 0; i < d.nr_vcpus; ++i) {
        if (!sched::place(d.vcpus[i])) {
            for (u32 k = 0; k < i; ++k) sched::remove(d.vcpus[k]);
            unregister_domain(d);
            free_domain(d);
            return -kENOMEM;
        }
    }
    console::info("(tessera) domain %u created: %u vCPU(s)\n", d.id, d.nr_vcpus);
    out = &d;
    return 0;
}

i64 destroy_domain(Domain& d) {
    if (d.privileged) return -kEINVAL;
    if (!d.dying) {
        d.dying = true;
        for (u32 i = 0; i < d.nr_vcpus; ++i) d.vcpus[i].state = VcpuState::kPaused;
    }
    // Every pCPU must have put its vCPUs down before their memory goes.
    if (!sched::unload_domain(d)) return -kEAGAIN;
    for (u32 i = 0; i < d.nr_vcpus; ++i) sched::remove(d.vcpus[i]);
    event::close_all(d);
    grant::unmap_all(d);   // grants it mapped from others
    dmem::release_all(d);  // its RAM, and foreign pages it mapped
    grant::destroy(d);     // its grant frames (dom0 may still hold references)
    u16 id = d.id;
    u64 left = d.ram_pages;
    unregister_domain(d);
    free_domain(d);
    console::info("(tessera) domain %u destroyed\n", id);
    if (left != 0) console::print("(tessera) warning: domain %u: %llu page(s) unaccounted\n", id,
                                  static_cast<unsigned long long>(left));
    notify_dom_exc();
    return 0;
}

}  // namespace hv
