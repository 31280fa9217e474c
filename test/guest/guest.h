// The probe guest's small runtime: hypercalls, the PV console, text output.
#pragma once

#include "hv/xen_abi.h"

namespace probe {

using hv::i64;
using hv::u32;
using hv::u64;

/// HVC #0xEA1 with the hypercall number in x16 and arguments in x0-x4 (XEN-ABI.md §1.2).
i64 hypercall(u64 nr, u64 a0 = 0, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0, u64 a4 = 0);

template <typename T>
u64 ptr(T* p) { return reinterpret_cast<u64>(p); }

/// Whether the device tree names a Xen-ABI hypervisor (/hypervisor, "xen,xen").
bool on_xen(const void* dtb);
/// Under a hypervisor, the PV console ring and its event channel (HVM params); natively, the
/// device tree's PL011. False if there is neither.
bool console_init(const void* dtb, bool xen);
/// Writes to the PV console ring, waiting for the backend to make room.
void write(const char* s);
void write_dec(i64 v);
void write_hex(u64 v);

/// The virtual counter.
inline u64 counter() {
    u64 v;
    asm volatile("isb\n mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

/// SCHEDOP_shutdown with `reason` (SHUTDOWN_*); returns only if the hypervisor refuses.
i64 shutdown(u32 reason);
/// Natively: PSCI SYSTEM_OFF through the device tree's conduit.
[[noreturn]] void system_off(const void* dtb);

/// The "reg" address of the first node compatible with `compat`, entry `index`; 0 if none.
u64 dt_reg(const void* dtb, const char* compat, int index);
/// Whether the kernel command line (/chosen/bootargs) has the word `word`.
bool has_arg(const void* dtb, const char* word);

/// The path-length benchmarks (bench.cc): null hypercall and virtual-timer latency.
void run_bench(const void* dtb, bool xen);

}  // namespace probe
