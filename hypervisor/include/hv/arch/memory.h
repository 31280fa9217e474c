// The contract for reaching physical memory from hypervisor code: aarch64 maps all RAM 1:1 at
// EL2, the host fake translates into a test buffer.
#pragma once

#include "hv/addr.h"

namespace hv::arch {

/// A hypervisor pointer to host physical address `pa` (RAM the hypervisor owns or was given).
void* phys_to_virt(PAddr pa);

/// The host physical address of hypervisor pointer `p` (inverse of phys_to_virt).
PAddr virt_to_phys(const void* p);

/// Zeroes `bytes` (a multiple of the page size) of page-aligned normal memory at `p`: every
/// page handed to a domain goes through here.
void zero_pages(void* p, u64 bytes);

}  // namespace hv::arch
