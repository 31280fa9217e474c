// panic(): report a hypervisor bug and stop the machine.
#include "hv/panic.h"

#include "hv/arch/cpu.h"
#include "hv/console.h"
#include "hv/fmt.h"

namespace hv {

void panic(const char* fmt, ...) {
    char buf[200];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console::print("\n(tessera) PANIC: %s\n(tessera) powering off\n", buf);
    arch::power_off();
}

}  // namespace hv
