// The fake arch's CPU operations for host unit tests: stopping the machine becomes an exception
// that a test can catch and assert on.
#include "arch/host/fake.h"

namespace hv::arch {

void power_off() {
    ++hv::fake::g_state.power_offs;
    throw hv::fake::PoweredOff{};
}

void reset() {
    ++hv::fake::g_state.resets;
    throw hv::fake::PoweredOff{};
}

void halt() { throw hv::fake::Halted{}; }

}  // namespace hv::arch
