// dom0's device tree, derived from the host's as Xen 4.17 does (XEN-ABI.md §1.1, §2.7).
#include <libfdt.h>

#include "hv/dom0.h"
#include "hv/event.h"
#include "hv/fmt.h"

namespace hv {
namespace {

#define TRY(expr)                    \
    do {                             \
        int rc_ = (expr);            \
        if (rc_ < 0) return rc_;     \
    } while (0)

/// Nodes the hypervisor keeps, rebuilds or hides, by compatible string.
constexpr const char* kDropCompatible[] = {
    "multiboot,module", "xen,multiboot-module", "xen,xen", "arm,psci", "arm,psci-0.2",
    "arm,psci-1.0", "arm,armv8-pmuv3", "arm,cortex-a15-pmu", "arm,cortex-a7-pmu",
    "arm,cortex-a53-edac", "arm,armv7-timer-mem", "arm,gic-v3-its",
};

bool should_drop(const void* fdt, int node, const BootInfo& info) {
    for (const char* c : kDropCompatible)
        if (fdt_node_check_compatible(fdt, node, c) == 0) return true;
    const char* type = static_cast<const char*>(fdt_getprop(fdt, node, "device_type", nullptr));
    if (type != nullptr && (__builtin_strcmp(type, "memory") == 0 ||
                            __builtin_strcmp(type, "pci") == 0))  // PCI: not supported yet
        return true;
    if (fdt_parent_offset(fdt, node) == 0) {
        const char* name = fdt_get_name(fdt, node, nullptr);
        if (name != nullptr && __builtin_strcmp(name, "cpus") == 0) return true;
    }
    // The hypervisor's own UART.
    int len = 0;
    auto* reg = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, "reg", &len));
    if (reg != nullptr && len >= 16 && info.uart.size != 0 &&
        fdt_node_check_compatible(fdt, node, "arm,pl011") == 0) {
        u64 base = (u64{fdt32_to_cpu(reg[0])} << 32) | fdt32_to_cpu(reg[1]);
        if (base == info.uart.base.raw()) return true;
    }
    return false;
}

/// Deletes every node should_drop() names, in one walk: a deleted node's successor moves into
/// its place, so the walk goes on from the node before it.
int drop_nodes(void* fdt, const BootInfo& info) {
    int prev = 0;
    int node = fdt_next_node(fdt, 0, nullptr);
    while (node >= 0) {
        if (should_drop(fdt, node, info)) {
            TRY(fdt_del_node(fdt, node));
        } else {
            prev = node;
        }
        node = fdt_next_node(fdt, prev, nullptr);
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : node;
}

int set_u64_pair(void* fdt, int node, const char* name, u64 a, u64 b) {
    fdt64_t v[2] = {cpu_to_fdt64(a), cpu_to_fdt64(b)};
    return fdt_setprop(fdt, node, name, v, sizeof v);
}

int add_cpus(void* fdt, const void* host, const Dom0Layout& l) {
    int host_cpu = fdt_node_offset_by_prop_value(host, -1, "device_type", "cpu", 4);
    int clen = 0;
    const void* compat = host_cpu >= 0 ? fdt_getprop(host, host_cpu, "compatible", &clen) : nullptr;
    int cpus = fdt_add_subnode(fdt, 0, "cpus");
    TRY(cpus);
    TRY(fdt_setprop_u32(fdt, cpus, "#address-cells", 1));
    TRY(fdt_setprop_u32(fdt, cpus, "#size-cells", 0));
    // Added in reverse so that the nodes end up in vCPU order (fdt_add_subnode prepends).
    for (u32 i = l.nr_vcpus; i-- > 0;) {
        char name[16];
        u32 mpidr = ((i >> 4) << 8) | (i & 0xf);  // Aff1 = vcpu / 16, Aff0 = vcpu % 16
        format(name, sizeof name, "cpu@%x", mpidr);
        int cpu = fdt_add_subnode(fdt, cpus, name);
        TRY(cpu);
        TRY(fdt_setprop_string(fdt, cpu, "device_type", "cpu"));
        if (compat != nullptr) TRY(fdt_setprop(fdt, cpu, "compatible", compat, clen));
        TRY(fdt_setprop_u32(fdt, cpu, "reg", mpidr));
        TRY(fdt_setprop_string(fdt, cpu, "enable-method", "psci"));
    }
    return 0;
}

int add_psci(void* fdt) {
    int psci = fdt_add_subnode(fdt, 0, "psci");
    TRY(psci);
    static constexpr char kCompat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
    TRY(fdt_setprop(fdt, psci, "compatible", kCompat, sizeof kCompat));
    TRY(fdt_setprop_string(fdt, psci, "method", "hvc"));
    TRY(fdt_setprop_u32(fdt, psci, "cpu_off", 1));  // PSCI 0.1 ids, as Xen (arch-arm.h)
    TRY(fdt_setprop_u32(fdt, psci, "cpu_on", 2));
    return 0;
}

int add_memory(void* fdt, const Dom0Layout& l) {
    char name[32];
    format(name, sizeof name, "memory@%llx", static_cast<unsigned long long>(l.ram.base.raw()));
    int mem = fdt_add_subnode(fdt, 0, name);
    TRY(mem);
    TRY(fdt_setprop_string(fdt, mem, "device_type", "memory"));
    return set_u64_pair(fdt, mem, "reg", l.ram.base.raw(), l.ram.size);
}

int add_hypervisor(void* fdt, const Dom0Layout& l, u32 gic_phandle) {
    int hyp = fdt_add_subnode(fdt, 0, "hypervisor");
    TRY(hyp);
    static constexpr char kCompat[] = "xen,xen-4.17\0xen,xen";
    TRY(fdt_setprop(fdt, hyp, "compatible", kCompat, sizeof kCompat));
    TRY(set_u64_pair(fdt, hyp, "reg", l.gnttab_window.base.raw(), l.gnttab_window.size));
    // <PPI, INTID - 16, level-low | all CPUs>: the binding Linux parses (xen.txt).
    fdt32_t irq[3] = {cpu_to_fdt32(1), cpu_to_fdt32(event::kUpcallPpi - 16), cpu_to_fdt32(0xf08)};
    TRY(fdt_setprop(fdt, hyp, "interrupts", irq, sizeof irq));
    if (gic_phandle != 0) TRY(fdt_setprop_u32(fdt, hyp, "interrupt-parent", gic_phandle));
    return 0;
}

int edit_chosen(void* fdt, const Dom0Layout& l, const char* bootargs) {
    int chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0) chosen = fdt_add_subnode(fdt, 0, "chosen");
    TRY(chosen);
    static constexpr const char* kStale[] = {"xen,xen-bootargs", "xen,dom0-bootargs", "bootargs",
                                             "stdout-path", "linux,initrd-start",
                                             "linux,initrd-end", "linux,stdout-path"};
    for (const char* p : kStale) fdt_delprop(fdt, chosen, p);
    TRY(fdt_setprop_string(fdt, chosen, "bootargs", bootargs != nullptr ? bootargs : ""));
    if (l.initrd_size != 0) {
        TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-start", l.initrd.raw()));
        TRY(fdt_setprop_u64(fdt, chosen, "linux,initrd-end", l.initrd.raw() + l.initrd_size));
    }
    return 0;
}

}  // namespace

int build_dom0_dt(const void* host, void* buf, usize size, const BootInfo& info,
                  const Dom0Layout& l, const char* bootargs) {
    TRY(fdt_open_into(host, buf, static_cast<int>(size)));
    TRY(drop_nodes(buf, info));
    int gic = fdt_node_offset_by_compatible(buf, -1, "arm,gic-v3");
    u32 gic_phandle = gic >= 0 ? fdt_get_phandle(buf, gic) : 0;
    if (gic >= 0) fdt_delprop(buf, gic, "interrupts");  // the maintenance PPI is ours
    TRY(add_cpus(buf, host, l));
    TRY(add_psci(buf));
    TRY(add_memory(buf, l));
    TRY(add_hypervisor(buf, l, gic_phandle));
    TRY(edit_chosen(buf, l, bootargs));
    return fdt_pack(buf);
}

}  // namespace hv
