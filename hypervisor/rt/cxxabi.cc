// The few C and C++ runtime hooks a freestanding image must define itself.
#include "hv/arch/cpu.h"
#include "hv/console.h"

extern "C" {

/// Stack-protector canary (libfdt.a from Debian is built with -fstack-protector-strong).
hv::u64 __stack_chk_guard = 0x5e55e4a7c0ffee00ull;

[[noreturn]] void __stack_chk_fail() {
    hv::console::print("(tessera) PANIC: stack smashing detected\n");
    hv::arch::power_off();
}

[[noreturn]] void __cxa_pure_virtual() {
    hv::console::print("(tessera) PANIC: pure virtual function called\n");
    hv::arch::power_off();
}

}  // extern "C"
