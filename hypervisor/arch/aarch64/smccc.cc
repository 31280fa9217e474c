// PSCI 1.0 (Arm DEN0022D) and SMCCC 1.1 (Arm DEN0028) for guests.
#include "smccc.h"

#include "hv/arch/vcpu.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/sched.h"
#include "hv/xen_abi.h"

namespace hv::aarch64::smccc {
namespace {

// Function ids (DEN0022D §5.1, DEN0028 §7).
constexpr u32 kPsciVersion = 0x84000000, kCpuSuspend32 = 0x84000001, kCpuOff = 0x84000002,
              kCpuOn32 = 0x84000003, kAffinityInfo32 = 0x84000004,
              kMigrateInfoType = 0x84000006, kSystemOff = 0x84000008, kSystemReset = 0x84000009,
              kPsciFeatures = 0x8400000A, kCpuSuspend64 = 0xC4000001, kCpuOn64 = 0xC4000003,
              kAffinityInfo64 = 0xC4000004, kSmcccVersion = 0x80000000,
              kSmcccArchFeatures = 0x80000001;
constexpr i64 kSuccess = 0, kNotSupported = -1, kInvalidParams = -2, kAlreadyOn = -4;
constexpr i64 kMigrateNotRequired = 2;

Vcpu* vcpu_by_mpidr(Domain& d, u64 mpidr) {
    for (u32 i = 0; i < d.nr_vcpus; ++i)
        if ((d.vcpus[i].arch.vmpidr & 0xff00ffffffull) == (mpidr & 0xff00ffffffull))
            return &d.vcpus[i];
    return nullptr;
}

i64 cpu_on(Vcpu& v, u64 mpidr, u64 entry, u64 context) {
    Vcpu* t = vcpu_by_mpidr(*v.domain, mpidr);
    if (t == nullptr) return kInvalidParams;
    if (t->state != VcpuState::kOffline) return kAlreadyOn;
    arch::reset_vcpu(*t, entry, context);
    t->state = VcpuState::kRunnable;
    sched::wake(*t);
    return kSuccess;
}

bool supported(u32 fid) {
    switch (fid) {
        case kPsciVersion: case kCpuOff: case kCpuOn32: case kCpuOn64: case kAffinityInfo32:
        case kAffinityInfo64: case kMigrateInfoType: case kSystemOff: case kSystemReset:
        case kPsciFeatures: case kSmcccVersion:
            return true;
        default:
            return false;
    }
}

i64 call(Vcpu& v, u32 fid, u64 a1, u64 a2, u64 a3) {
    switch (fid) {
        case kPsciVersion: return 0x10000;  // PSCI 1.0
        case kCpuOn32:
        case kCpuOn64: return cpu_on(v, a1, a2, a3);
        case kCpuOff:
            v.state = VcpuState::kOffline;
            return kSuccess;  // not seen by the guest: the vCPU stops here
        case kAffinityInfo32:
        case kAffinityInfo64: {
            if (a2 != 0) return kInvalidParams;  // only level 0 (a single vCPU)
            Vcpu* t = vcpu_by_mpidr(*v.domain, a1);
            if (t == nullptr) return kInvalidParams;
            return t->state == VcpuState::kOffline ? 1 : 0;
        }
        case kMigrateInfoType: return kMigrateNotRequired;
        case kSystemOff: shutdown_domain(*v.domain, SHUTDOWN_poweroff); return kSuccess;
        case kSystemReset: shutdown_domain(*v.domain, SHUTDOWN_reboot); return kSuccess;
        case kPsciFeatures: return supported(static_cast<u32>(a1)) ? kSuccess : kNotSupported;
        case kCpuSuspend32:
        case kCpuSuspend64: return kNotSupported;
        case kSmcccVersion: return 0x10001;  // SMCCC 1.1
        case kSmcccArchFeatures: return kNotSupported;
        default: return kNotSupported;
    }
}

}  // namespace

void handle(Vcpu& v) {
    u32 fid = static_cast<u32>(arch::reg(v, 0));
    i64 r = call(v, fid, arch::reg(v, 1), arch::reg(v, 2), arch::reg(v, 3));
    arch::set_reg(v, 0, static_cast<u64>(r));
}

}  // namespace hv::aarch64::smccc
