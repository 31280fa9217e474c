// Injecting synchronous exceptions into a guest's EL1 (Arm ARM D1.10: exception entry).
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
}

namespace hv::aarch64 {

/// An Undefined Instruction exception (EC 0) at the trapped instruction.
void inject_undef(Vcpu& v);
/// A synchronous external data abort on `va` (what a guest sees for an access to nothing).
void inject_data_abort(Vcpu& v, u64 va);
/// The same for an instruction fetch.
void inject_inst_abort(Vcpu& v, u64 va);

}  // namespace hv::aarch64
