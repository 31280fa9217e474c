// Hypervisor bugs end here: a message, then power off. Never for guest input (ARCHITECTURE.md).
#pragma once

namespace hv {

/// Prints "PANIC: <message>" and powers the machine off.
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace hv

/// Checks an internal invariant; a failure is a hypervisor bug.
#define HV_ASSERT(cond)                                                                 \
    do {                                                                                \
        if (!(cond)) ::hv::panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
    } while (0)
