// Moving virtual interrupts between the vGIC model and the list registers: all used list
// registers are read back on every exit and refilled on every entry, so they are empty while
// the hypervisor runs (no per-vCPU list-register state to save on a switch).
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
}

namespace hv::aarch64::lr {

/// Reads back the list registers the current vCPU used into the model and empties them.
void save(Vcpu& v);
/// Fills the list registers with `v`'s best pending/active interrupts.
void load(Vcpu& v);
/// A guest write of ICC_SGI1R_EL1 (GICv3 §12.11.25): SGIs to the vCPUs it names.
void send_sgi(Vcpu& v, u64 sgi1r);

}  // namespace hv::aarch64::lr
