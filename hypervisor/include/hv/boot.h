// The arch-neutral boot sequence, entered once by the boot CPU after arch setup.
#pragma once

#include "hv/boot_info.h"

namespace hv {

/// Version string printed in the banner (generated from git at build time).
extern const char* const kVersion;

/// Boots the hypervisor from the host DTB at `dtb`. Never returns: it ends in power_off().
[[noreturn]] void boot(const void* dtb);

/// Prints what was found in the host DT (banks, CPUs, modules, options).
void print_boot_info(const BootInfo& info);

/// Checks that `info` can boot a dom0; on failure prints why and returns false.
bool check_dom0_modules(const BootInfo& info);

}  // namespace hv
