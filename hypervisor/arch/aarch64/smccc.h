// SMC Calling Convention and PSCI for guests (HVC #0 or a trapped SMC).
#pragma once

namespace hv {
struct Vcpu;
}

namespace hv::aarch64::smccc {

/// Handles the SMCCC call in `v`'s x0-x3, answering in x0.
void handle(Vcpu& v);

}  // namespace hv::aarch64::smccc
