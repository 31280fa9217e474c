// The arch-neutral boot sequence: banner, host DT, dom0 modules.
#include "hv/boot.h"

#include "hv/arch/cpu.h"
#include "hv/arch/virt.h"
#include "hv/console.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/mm/page_alloc.h"
#include "hv/options.h"
#include "hv/sched.h"

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
constinit Options g_options;
constinit Dom0Layout g_dom0_layout;

constexpr u64 k2M = u64{2} << 20;

/// Gives the page allocator every gap of at least 2 MiB between the `used` ranges.
void add_free_ram(const BootInfo& info, const PRange* used, usize nr_used) {
    for (usize b = 0; b < info.nr_banks; ++b) {
        PRange bank = info.banks[b];
        PRange sorted[BootInfo::kMaxModules + 4];
        usize n = 0;
        for (usize i = 0; i < nr_used && n < sizeof sorted / sizeof *sorted; ++i) {
            if (!used[i].overlaps(bank)) continue;
            usize j = n++;
            while (j > 0 && sorted[j - 1].base > used[i].base) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = used[i];
        }
        u64 cur = bank.base.raw();
        for (usize i = 0; i <= n; ++i) {
            u64 gap_end = i < n ? sorted[i].base.raw() : bank.end().raw();
            if (gap_end > cur && gap_end - cur >= k2M) mm::pages().add_region({PAddr(cur), gap_end - cur});
            if (i < n && sorted[i].end().raw() > cur) cur = sorted[i].end().raw();
        }
    }
}

[[noreturn]] void fail(const char* what) {
    console::print("(tessera) %s; powering off\n", what);
    arch::power_off();
}

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
    if (!parse_options(info.cmdline, g_options)) fail("bad command line");
    console::set_level(g_options.loglvl);
    if (!arch::init_virtualization(info, dtb, g_options.vwfi_trap)) fail("cannot virtualise");

    // What is in use: the hypervisor and a 2 MiB grant window after it, the DTB, the modules.
    PRange image = arch::image_range();
    PRange window{PAddr(align_up(image.end().raw(), k2M)), k2M};
    PRange used[BootInfo::kMaxModules + 3];
    usize nr_used = 0;
    used[nr_used++] = {image.base, window.end() - image.base};
    used[nr_used++] = {PAddr(align_down(reinterpret_cast<u64>(dtb), kPageSize)),
                       align_up(info.dtb_size + kPageSize, kPageSize)};
    for (usize i = 0; i < info.nr_modules; ++i) used[nr_used++] = info.modules[i].range;

    Dom0Layout& l = g_dom0_layout;
    u32 pcpus = arch::start_secondary_cpus(info);
    console::print("(tessera) %u pCPU(s) online\n", pcpus);
    if (!plan_dom0(info, g_options, used, nr_used, pcpus, l)) fail("cannot place dom0");
    l.gnttab_window = {window.base, u64{kDom0GrantFrames} << kPageShift};
    used[nr_used++] = l.ram;
    add_free_ram(info, used, nr_used);
    console::print("(tessera) dom0: %llu MiB at 0x%llx, %u vCPU(s), kernel at 0x%llx\n",
                   static_cast<unsigned long long>(l.ram.size >> 20),
                   static_cast<unsigned long long>(l.ram.base.raw()), l.nr_vcpus,
                   static_cast<unsigned long long>(l.kernel.raw()));
    console::print("(tessera) heap: %zu MiB free\n", mm::pages().free_pages() >> 8);
    Domain* d0 = create_dom0(info, dtb, l);
    if (d0 == nullptr) fail("cannot build dom0");
    sched::set_null(g_options.sched_null);
    if (g_options.sched_null && d0->nr_vcpus > pcpus)
        console::print("(tessera) warning: sched=null: dom0 vCPUs %u-%u wait for a free pCPU\n",
                       pcpus, d0->nr_vcpus - 1);
    for (u32 i = 0; i < d0->nr_vcpus; ++i) sched::add(d0->vcpus[i], i % pcpus);
    // Typed input goes to dom0's hvc0, which waits for VIRQ_CONSOLE (2, xen/xen.h).
    console::g_input_hook = [] {
        if (Domain* d = domain_by_id(0)) event::raise_virq(*d, 2);
    };
    console::print("(tessera) starting dom0\n");
    arch::run();
}

}  // namespace hv
