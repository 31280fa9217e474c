// State of the fake arch used by host unit tests of core/.
#pragma once

#include <map>
#include <string>

#include "hv/arch/cpu.h"

namespace hv::fake {

/// Thrown by arch::power_off() in host tests.
struct PoweredOff {};
/// Thrown by arch::halt() in host tests.
struct Halted {};

/// Thrown by the fake stage-2 codec when an entry is read at the wrong level.
struct LevelMismatch {};

struct State {
    int power_offs = 0;
    int resets = 0;
    int switches = 0;
    int kicks = 0;
    unsigned long long counter = 0;
    int tlb_flushes[256] = {};
    /// Saved virtual-timer deadlines of switched-out vCPUs (by vCPU address; 0: none).
    std::map<const void*, unsigned long long> saved_timers;
    int timers_fired = 0;
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
