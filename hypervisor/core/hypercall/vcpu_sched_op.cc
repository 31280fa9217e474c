// vcpu_op, sched_op and hvm_op.
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/event.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/sched.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

i64 register_vcpu_info(Vcpu& v, Vcpu& target, GVAddr arg) {
    vcpu_register_vcpu_info info;
    if (!get_guest(v, arg, info)) return -kEFAULT;
    if (info.offset > kPageSize - sizeof(VcpuInfo) || (info.offset % 8) != 0) return -kEINVAL;
    if (target.vcpu_info != nullptr) return -kEINVAL;  // once only, as in Xen
    if (&target != &v && target.state != VcpuState::kOffline) return -kEINVAL;
    auto* page = static_cast<u8*>(map_guest_ram(v, info.mfn, true));
    if (page == nullptr) return -kEINVAL;
    auto* vi = reinterpret_cast<VcpuInfo*>(page + info.offset);
    // The legacy slot in shared_info holds vCPU 0's state until it registers its own.
    if (target.id == 0 && v.domain->shared_info != nullptr) *vi = v.domain->shared_info->vcpu_info[0];
    target.vcpu_info = vi;
    target.vcpu_info_gfn = info.mfn;
    event::mark_all_pending(target);
    return 0;
}

}  // namespace

i64 vcpu_op(Vcpu& v, u32 cmd, u32 vcpuid, GVAddr arg) {
    Domain& d = *v.domain;
    if (vcpuid >= d.nr_vcpus) return -kENOENT;
    Vcpu& target = d.vcpus[vcpuid];
    switch (cmd) {
        case VCPUOP_register_vcpu_info: return register_vcpu_info(v, target, arg);
        case VCPUOP_register_runstate_memory_area:
            // Accepted; the area is not updated, so steal time reads 0 (XEN-ABI.md §1.3).
            return 0;
        case VCPUOP_is_up: return target.state != VcpuState::kOffline ? 1 : 0;
        default: return -kENOSYS;
    }
}

i64 sched_op(Vcpu& v, u32 cmd, GVAddr arg) {
    switch (cmd) {
        case SCHEDOP_yield: sched::yield(v); return 0;
        case SCHEDOP_block: sched::block(v); return 0;
        case SCHEDOP_poll: sched::yield(v); return 0;
        case SCHEDOP_shutdown: {
            sched_shutdown s;
            if (!get_guest(v, arg, s)) return -kEFAULT;
            if (s.reason > SHUTDOWN_MAX) return -kEINVAL;
            shutdown_domain(*v.domain, s.reason);
            return 0;
        }
        case SCHEDOP_shutdown_code: {
            sched_shutdown s;
            if (!get_guest(v, arg, s)) return -kEFAULT;
            v.domain->shutdown_reason = s.reason;
            return 0;
        }
        case SCHEDOP_remote_shutdown: {
            if (!v.domain->privileged) return -kEPERM;
            sched_remote_shutdown s;
            if (!get_guest(v, arg, s)) return -kEFAULT;
            Domain* d = domain_by_id(s.domain_id);
            if (d == nullptr) return -kESRCH;
            shutdown_domain(*d, s.reason);
            return 0;
        }
        default: return -kENOSYS;
    }
}

i64 hvm_op(Vcpu& v, u32 op, GVAddr arg) {
    if (op != HVMOP_get_param && op != HVMOP_set_param) return -kENOSYS;
    xen_hvm_param p;
    if (!get_guest(v, arg, p)) return -kEFAULT;
    if (p.index >= HVM_NR_PARAMS) return -kEINVAL;
    Domain* d = resolve_domid(*v.domain, p.domid);
    if (d == nullptr) return -kESRCH;
    bool self = d == v.domain;
    if (op == HVMOP_set_param) {
        // Only the toolstack sets a domain's parameters (xen/arch/arm/hvm.c).
        if (self || !v.domain->privileged) return -kEPERM;
        d->hvm_params[p.index] = p.value;
        return 0;
    }
    if (!self && !v.domain->privileged) return -kEPERM;
    switch (p.index) {
        case HVM_PARAM_CALLBACK_IRQ:
        case HVM_PARAM_STORE_PFN:
        case HVM_PARAM_STORE_EVTCHN:
        case HVM_PARAM_CONSOLE_PFN:
        case HVM_PARAM_CONSOLE_EVTCHN: break;
        default:
            if (self) return -kEPERM;
    }
    p.value = d->hvm_params[p.index];
    return put_guest(v, arg, p) ? 0 : -kEFAULT;
}

}  // namespace hv::hypercall
