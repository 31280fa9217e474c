// Per-vCPU domctls: context, information and affinity.
#include "hv/arch/vcpu.h"
#include "hv/domain.h"
#include "hv/domctl.h"
#include "hv/guest_access.h"
#include "hv/percpu.h"
#include "hv/sched.h"

namespace hv::hypercall {
namespace {

constexpr u32 kPsrModeMask = 0x1f;

Vcpu* vcpu_of(DomctlCall& c, u32 id) { return id < c.d->nr_vcpus ? &c.d->vcpus[id] : nullptr; }

/// Whether a toolstack may start a vCPU with this PSTATE: AArch64 EL0t, EL1t or EL1h (no
/// AArch32 guests; never EL2).
bool valid_guest_psr(u64 cpsr) {
    u32 mode = static_cast<u32>(cpsr) & kPsrModeMask;
    return mode == PSR_MODE_EL0t || mode == PSR_MODE_EL1t || mode == PSR_MODE_EL1h;
}

/// Reads a xenctl_bitmap of pCPUs (bits past 64 are ignored: there are at most 64 pCPUs).
bool read_cpumap(Vcpu& caller, const xenctl_bitmap& map, u64& out) {
    out = 0;
    u32 bytes = (map.nr_bits + 7) / 8;
    if (bytes > 8) bytes = 8;
    u8 buf[8] = {};
    if (bytes > 0 && !copy_from_guest(caller, handle_addr(map.bitmap), buf, bytes)) return false;
    for (u32 i = 0; i < bytes; ++i) out |= u64{buf[i]} << (8 * i);
    if (map.nr_bits < 64) out &= (u64{1} << map.nr_bits) - 1;
    return true;
}

/// Writes `mask` into a xenctl_bitmap of nr_bits bits (zero beyond 64).
bool write_cpumap(Vcpu& caller, const xenctl_bitmap& map, u64 mask) {
    u32 bytes = (map.nr_bits + 7) / 8;
    for (u32 i = 0; i < bytes; ++i) {
        u8 b = i < 8 ? static_cast<u8>(mask >> (8 * i)) : 0;
        if (i == bytes - 1 && (map.nr_bits % 8) != 0) b &= static_cast<u8>((1u << (map.nr_bits % 8)) - 1);
        if (!put_guest(caller, handle_addr(map.bitmap) + i, b)) return false;
    }
    return true;
}

}  // namespace

i64 domctl_setvcpucontext(DomctlCall& c) {
    Vcpu* v = vcpu_of(c, c.op.u.vcpucontext.vcpu);
    if (c.d == c.caller.domain || v == nullptr) return -kEINVAL;
    if (v->loaded_on >= 0) return -kEBUSY;  // pause the domain first
    GVAddr h = handle_addr(c.op.u.vcpucontext.ctxt);
    if (h.raw() == 0) {  // no context: the vCPU goes back to its reset state, offline
        arch::reset_vcpu(*v, 0, 0);
        v->state = VcpuState::kOffline;
        return 0;
    }
    vcpu_guest_context ctx;
    if (!get_guest(c.caller, h, ctx)) return -kEFAULT;
    if (!valid_guest_psr(ctx.user_regs.cpsr)) return -kEINVAL;
    arch::load_context(*v, ctx);
    v->state = (ctx.flags & VGCF_online) != 0 ? VcpuState::kRunnable : VcpuState::kOffline;
    return 0;
}

i64 domctl_getvcpucontext(DomctlCall& c) {
    Vcpu* v = vcpu_of(c, c.op.u.vcpucontext.vcpu);
    if (v == nullptr) return -kEINVAL;
    if (v->loaded_on >= 0 && c.d->pause_count == 0) return -kEBUSY;  // still running
    vcpu_guest_context ctx;
    arch::store_context(*v, ctx);
    return put_guest(c.caller, handle_addr(c.op.u.vcpucontext.ctxt), ctx) ? 0 : -kEFAULT;
}

i64 domctl_getvcpuinfo(DomctlCall& c) {
    xen_domctl_getvcpuinfo& info = c.op.u.getvcpuinfo;
    Vcpu* v = vcpu_of(c, info.vcpu);
    if (v == nullptr) return -kEINVAL;
    info.online = v->state != VcpuState::kOffline;
    info.blocked = v->state == VcpuState::kBlocked;
    info.running = v->loaded_on >= 0 && sched::can_run(*v) &&
                   cpu(static_cast<u32>(v->loaded_on)).current == v;
    info.cpu_time = sched::cpu_time_ns(*v);
    info.cpu = v->pcpu;
    c.copy_back = true;
    return 0;
}

i64 domctl_setvcpuaffinity(DomctlCall& c) {
    xen_domctl_vcpuaffinity& a = c.op.u.vcpuaffinity;
    Vcpu* v = vcpu_of(c, a.vcpu);
    if (v == nullptr) return -kEINVAL;
    constexpr u32 kBoth = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
    if ((a.flags & kBoth) == 0 || (a.flags & ~(kBoth | XEN_VCPUAFFINITY_FORCE)) != 0) return -kEINVAL;
    u64 hard = v->hard_affinity, soft = v->soft_affinity;
    if ((a.flags & XEN_VCPUAFFINITY_HARD) != 0 && !read_cpumap(c.caller, a.cpumap_hard, hard))
        return -kEFAULT;
    if ((a.flags & XEN_VCPUAFFINITY_SOFT) != 0 && !read_cpumap(c.caller, a.cpumap_soft, soft))
        return -kEFAULT;
    if (!sched::set_affinity(*v, hard, soft)) return -kEINVAL;  // no online pCPU in `hard`
    // Xen writes back the effective maps: what is online, and soft within hard.
    u64 online = sched::online_mask();
    if ((a.flags & XEN_VCPUAFFINITY_HARD) != 0 && !write_cpumap(c.caller, a.cpumap_hard, hard & online))
        return -kEFAULT;
    if ((a.flags & XEN_VCPUAFFINITY_SOFT) != 0 &&
        !write_cpumap(c.caller, a.cpumap_soft, soft & hard & online))
        return -kEFAULT;
    return 0;
}

i64 domctl_getvcpuaffinity(DomctlCall& c) {
    xen_domctl_vcpuaffinity& a = c.op.u.vcpuaffinity;
    Vcpu* v = vcpu_of(c, a.vcpu);
    if (v == nullptr) return -kEINVAL;
    constexpr u32 kBoth = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
    if ((a.flags & kBoth) == 0 || (a.flags & ~kBoth) != 0) return -kEINVAL;
    if ((a.flags & XEN_VCPUAFFINITY_HARD) != 0 && !write_cpumap(c.caller, a.cpumap_hard, v->hard_affinity))
        return -kEFAULT;
    if ((a.flags & XEN_VCPUAFFINITY_SOFT) != 0 && !write_cpumap(c.caller, a.cpumap_soft, v->soft_affinity))
        return -kEFAULT;
    return 0;
}

i64 domctl_max_vcpus(DomctlCall& c) {
    // Fixed at createdomain since Xen 4.12; the call only confirms it.
    return c.op.u.max_vcpus.max == c.d->nr_vcpus ? 0 : -kEINVAL;
}

}  // namespace hv::hypercall
