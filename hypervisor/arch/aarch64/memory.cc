// EL2 maps all RAM 1:1 (early_mmu.cc), so physical and hypervisor-virtual addresses coincide.
#include "hv/arch/memory.h"

namespace hv::arch {

void* phys_to_virt(PAddr pa) { return reinterpret_cast<void*>(pa.raw()); }
PAddr virt_to_phys(const void* p) { return PAddr(reinterpret_cast<u64>(p)); }

void zero_pages(void* p, u64 bytes) {
    // DC ZVA zeroes a whole block (DCZID_EL0.BS words) per instruction: on hardware it avoids
    // reading the lines first, under emulation it is one host memset per block.
    u64 dczid;
    asm volatile("mrs %0, dczid_el0" : "=r"(dczid));
    const u64 block = u64{4} << (dczid & 0xf);
    if ((dczid & 0x10) != 0 || block > kPageSize) {  // DZP: prohibited
        __builtin_memset(p, 0, bytes);
        return;
    }
    for (u64 a = reinterpret_cast<u64>(p), end = a + bytes; a < end; a += block)
        asm volatile("dc zva, %0" ::"r"(a) : "memory");
    asm volatile("dsb ish" ::: "memory");
}

}  // namespace hv::arch
