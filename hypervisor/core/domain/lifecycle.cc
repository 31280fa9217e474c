// Shutdown and wallclock.
#include "hv/arch/cpu.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/xen_abi.h"

namespace hv {
namespace {

const char* reason_name(u32 r) {
    switch (r) {
        case SHUTDOWN_poweroff: return "poweroff";
        case SHUTDOWN_reboot: return "reboot";
        case SHUTDOWN_suspend: return "suspend";
        case SHUTDOWN_crash: return "crash";
        case SHUTDOWN_watchdog: return "watchdog";
        case SHUTDOWN_soft_reset: return "soft_reset";
        default: return "unknown";
    }
}
}  // namespace

void shutdown_domain(Domain& d, u32 reason) {
    d.is_shutdown = true;
    d.shutdown_reason = reason;
    console::print("(tessera) domain %u shut down: %s\n", d.id, reason_name(reason));
    for (u32 i = 0; i < d.nr_vcpus; ++i) d.vcpus[i].state = VcpuState::kPaused;
    if (d.privileged) {
        // dom0's end is the machine's: reboot resets it, anything else powers it off.
        if (reason == SHUTDOWN_reboot) arch::reset();
        arch::power_off();
    }
}

void set_wallclock(u64 sec, u32 nsec, u64 system_time_ns) {
    // shared_info.wc_* is UTC at counter zero (XEN-ABI.md §1.7); every domain gets it, under
    // the wc_version seqlock (odd while it changes).
    u64 now_ns = sec * 1000000000ull + nsec;
    u64 base_ns = now_ns > system_time_ns ? now_ns - system_time_ns : 0;
    for_each_domain(
        [](Domain& d, void* ctx) {
            if (d.shared_info == nullptr) return;
            u64 ns = *static_cast<u64*>(ctx);
            u64 wc_sec = ns / 1000000000ull;
            SharedInfo& s = *d.shared_info;
            __atomic_store_n(&s.wc_version, s.wc_version + 1, __ATOMIC_RELEASE);
            s.wc_sec = static_cast<u32>(wc_sec);
            s.wc_sec_hi = static_cast<u32>(wc_sec >> 32);
            s.wc_nsec = static_cast<u32>(ns % 1000000000ull);
            __atomic_store_n(&s.wc_version, s.wc_version + 1, __ATOMIC_RELEASE);
        },
        &base_ns);
}

}  // namespace hv
