// Shutdown, wallclock and shared_info.
#include "hv/arch/cpu.h"
#include "hv/arch/memory.h"
#include "hv/arch/sched.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/event.h"
#include "hv/mm/page_alloc.h"
#include "hv/xen_abi.h"

namespace hv {
namespace {

/// UTC nanoseconds at physical counter zero, once dom0 has set the clock (0 before).
constinit u64 g_wallclock_base_ns = 0;

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

/// Writes the wallclock into `d`'s shared_info under the wc_version seqlock (odd while it
/// changes). A domain's virtual counter starts at its creation (CNTVOFF_EL2), so its
/// "counter zero" is that much later.
void publish_wallclock(Domain& d) {
    if (d.shared_info == nullptr || g_wallclock_base_ns == 0) return;
    u64 hz = arch::counter_hz();
    u64 off = d.arch.cntvoff;
    u64 ns = g_wallclock_base_ns + off / hz * 1000000000ull + off % hz * 1000000000ull / hz;
    u64 wc_sec = ns / 1000000000ull;
    SharedInfo& s = *d.shared_info;
    __atomic_store_n(&s.wc_version, s.wc_version + 1, __ATOMIC_RELEASE);
    s.wc_sec = static_cast<u32>(wc_sec);
    s.wc_sec_hi = static_cast<u32>(wc_sec >> 32);
    s.wc_nsec = static_cast<u32>(ns % 1000000000ull);
    __atomic_store_n(&s.wc_version, s.wc_version + 1, __ATOMIC_RELEASE);
}

}  // namespace

void notify_dom_exc() {
    if (Domain* d0 = domain_by_id(0)) event::raise_virq(*d0, VIRQ_DOM_EXC);
}

void shutdown_domain(Domain& d, u32 reason) {
    if (d.is_shutdown) return;  // the first reason stands, as in Xen
    d.is_shutdown = true;
    d.shutdown_reason = reason;
    if (d.privileged) {
        console::print("(tessera) domain %u shut down: %s\n", d.id, reason_name(reason));
    } else {
        console::info("(tessera) domain %u shut down: %s\n", d.id, reason_name(reason));
    }
    for (u32 i = 0; i < d.nr_vcpus; ++i) d.vcpus[i].state = VcpuState::kPaused;
    if (d.privileged) {
        // dom0's end is the machine's: reboot resets it, anything else powers it off.
        if (reason == SHUTDOWN_reboot) arch::reset();
        arch::power_off();
    }
    notify_dom_exc();
}

void set_wallclock(u64 sec, u32 nsec, u64 system_time_ns) {
    // shared_info.wc_* is UTC at counter zero (XEN-ABI.md §1.7).
    u64 now_ns = sec * 1000000000ull + nsec;
    g_wallclock_base_ns = now_ns > system_time_ns ? now_ns - system_time_ns : 1;
    for_each_domain([](Domain& d, void*) { publish_wallclock(d); }, nullptr);
}

bool attach_shared_info(Domain& d) {
    PAddr page = mm::pages().alloc();
    if (page.raw() == 0) return false;
    d.shared_info_page = page;
    d.shared_info = static_cast<SharedInfo*>(arch::phys_to_virt(page));
    publish_wallclock(d);
    return true;
}

}  // namespace hv
