// The fake arch's physical memory: host pointers are physical addresses, so tests hand the
// allocator an ordinary aligned buffer.
#include "hv/arch/memory.h"

namespace hv::arch {

void* phys_to_virt(PAddr pa) { return reinterpret_cast<void*>(pa.raw()); }
PAddr virt_to_phys(const void* p) { return PAddr(reinterpret_cast<u64>(p)); }

void zero_pages(void* p, u64 bytes) { __builtin_memset(p, 0, bytes); }

}  // namespace hv::arch
