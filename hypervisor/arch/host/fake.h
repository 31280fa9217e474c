// State of the fake arch used by host unit tests of core/.
#pragma once

#include <string>

#include "hv/arch/cpu.h"

namespace hv::fake {

/// Thrown by arch::power_off() in host tests.
struct PoweredOff {};
/// Thrown by arch::halt() in host tests.
struct Halted {};

struct State {
    int power_offs = 0;
};
inline State g_state;

/// Captures everything printed on the hypervisor console while alive.
class ConsoleCapture {
public:
    ConsoleCapture();
    ~ConsoleCapture();
    ConsoleCapture(const ConsoleCapture&) = delete;
    ConsoleCapture& operator=(const ConsoleCapture&) = delete;
    const std::string& text() const { return text_; }

private:
    std::string text_;
};

}  // namespace hv::fake
