// A ticket spinlock (fair between pCPUs), and the hypervisor's big lock.
#pragma once

#include "hv/types.h"

namespace hv {

class SpinLock {
public:
    void lock() {
        u32 ticket = __atomic_fetch_add(&next_, 1u, __ATOMIC_RELAXED);
        while (__atomic_load_n(&owner_, __ATOMIC_ACQUIRE) != ticket) cpu_relax();
    }
    void unlock() { __atomic_store_n(&owner_, owner_ + 1, __ATOMIC_RELEASE); }

private:
    static void cpu_relax() {
#if defined(__aarch64__)
        asm volatile("yield");
#endif
    }
    u32 next_ = 0;
    u32 owner_ = 0;
};

/// Serialises all hypervisor work on guest exits (one lock is enough for a handful of pCPUs;
/// finer locks can come when measurements ask for them).
extern SpinLock g_big_lock;

}  // namespace hv
