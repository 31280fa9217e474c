// EL2 maps all RAM 1:1 (early_mmu.cc), so physical and hypervisor-virtual addresses coincide.
#include "hv/arch/memory.h"

namespace hv::arch {

void* phys_to_virt(PAddr pa) { return reinterpret_cast<void*>(pa.raw()); }
PAddr virt_to_phys(const void* p) { return PAddr(reinterpret_cast<u64>(p)); }

}  // namespace hv::arch
