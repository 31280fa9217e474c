// The arch-neutral boot sequence: banner, host DT, dom0 modules.
#include "hv/boot.h"

#include "hv/arch/cpu.h"
#include "hv/console.h"

namespace hv {
namespace {

const char* module_kind_name(ModuleKind k) {
    switch (k) {
        case ModuleKind::kKernel: return "kernel";
        case ModuleKind::kRamdisk: return "ramdisk";
        case ModuleKind::kOther: return "module";
    }
    return "?";
}

constinit BootInfo g_boot_info;

}  // namespace

void print_boot_info(const BootInfo& info) {
    using console::print;
    print("(tessera) device tree: %u bytes, %zu CPU(s), PSCI via %s\n", info.dtb_size,
          info.nr_cpus, info.psci_smc ? "smc" : "hvc");
    for (usize i = 0; i < info.nr_banks; ++i) {
        print("(tessera) RAM bank %zu: 0x%016llx-0x%016llx (%llu MiB)\n", i,
              static_cast<unsigned long long>(info.banks[i].base.raw()),
              static_cast<unsigned long long>(info.banks[i].end().raw() - 1),
              static_cast<unsigned long long>(info.banks[i].size >> 20));
    }
    for (usize i = 0; i < info.nr_modules; ++i) {
        const BootModule& m = info.modules[i];
        print("(tessera) boot module %zu: %s at 0x%llx, %llu bytes%s%s\n", i,
              module_kind_name(m.kind), static_cast<unsigned long long>(m.range.base.raw()),
              static_cast<unsigned long long>(m.range.size), m.bootargs ? ", bootargs: " : "",
              m.bootargs ? m.bootargs : "");
    }
    print("(tessera) GICv3 distributor 0x%llx, redistributors 0x%llx\n",
          static_cast<unsigned long long>(info.gicd.base.raw()),
          static_cast<unsigned long long>(info.gicr.base.raw()));
    print("(tessera) command line: \"%s\"\n", info.cmdline);
}

bool check_dom0_modules(const BootInfo& info) {
    if (info.module(ModuleKind::kKernel) == nullptr) {
        console::print(
            "(tessera) error: no dom0 kernel: pass one as a boot module (a /chosen node with "
            "compatible \"multiboot,kernel\"; QEMU: -device guest-loader,addr=0x49000000,"
            "kernel=Image)\n");
        return false;
    }
    return true;
}

void boot(const void* dtb) {
    console::print("\n(tessera) Tessera hypervisor %s (Xen 4.17 ABI) starting at EL2\n", kVersion);
    BootInfo& info = g_boot_info;
    if (DtError e = parse_host_dt(dtb, info); e != DtError::kOk) {
        console::print("(tessera) error: boot device tree at %p: %s; powering off\n", dtb,
                       dt_error_text(e));
        arch::power_off();
    }
    print_boot_info(info);
    if (!check_dom0_modules(info)) {
        console::print("(tessera) powering off\n");
        arch::power_off();
    }
    console::print("(tessera) dom0 is not started by this version yet; powering off\n");
    arch::power_off();
}

}  // namespace hv
