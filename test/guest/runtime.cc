// The probe guest's runtime: hypercalls, the PV console ring (xen/io/console.h), page tables.
#include "guest.h"

#include <libfdt.h>
#include <xen/io/console.h>

namespace probe {
namespace {

constinit xencons_interface* g_cons = nullptr;
constinit u32 g_cons_port = 0;
constinit volatile u32* g_pl011 = nullptr;  // natively: the UART (data at 0, flags at 0x18)

u64 get_param(u32 index) {
    xen_hvm_param p{};
    p.domid = DOMID_SELF;
    p.index = index;
    return hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, ptr(&p)) == 0 ? p.value : 0;
}

// Identity map: the first GiB in 2 MiB blocks (devices below 0x08000000, normal memory for
// the grant window and magic pages above), the second GiB (guest RAM) as one normal block.
alignas(4096) constinit u64 g_l1[512] = {};
alignas(4096) constinit u64 g_l2[512] = {};
constexpr u64 kBlock = 1, kTable = 3, kAf = 1ull << 10, kInnerShareable = 3ull << 8;
constexpr u64 kNormal = (1ull << 2) | kInnerShareable | kAf;  // AttrIndx 1
constexpr u64 kDevice = (0ull << 2) | kAf | (3ull << 53);    // AttrIndx 0, never executable

}  // namespace

i64 hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4) {
    register u64 x0 asm("x0") = a0;
    register u64 x1 asm("x1") = a1;
    register u64 x2 asm("x2") = a2;
    register u64 x3 asm("x3") = a3;
    register u64 x4 asm("x4") = a4;
    register u64 x16 asm("x16") = nr;
    asm volatile("hvc #0xea1" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x16)
                 :: "memory");
    return static_cast<i64>(x0);
}

bool on_xen(const void* dtb) {
    int node = fdt_path_offset(dtb, "/hypervisor");
    return node >= 0 && fdt_node_check_compatible(dtb, node, "xen,xen") == 0;
}

u64 dt_reg(const void* dtb, const char* compat, int index) {
    int node = fdt_node_offset_by_compatible(dtb, -1, compat);
    int len = 0;
    const auto* reg = static_cast<const fdt32_t*>(node >= 0 ? fdt_getprop(dtb, node, "reg", &len) : nullptr);
    if (reg == nullptr || len < (index + 1) * 16) return 0;  // #address-cells = #size-cells = 2
    return (u64{fdt32_to_cpu(reg[4 * index])} << 32) | fdt32_to_cpu(reg[4 * index + 1]);
}

bool has_arg(const void* dtb, const char* word) {
    int chosen = fdt_path_offset(dtb, "/chosen");
    int len = 0;
    const char* args = chosen >= 0 ? static_cast<const char*>(fdt_getprop(dtb, chosen, "bootargs", &len)) : nullptr;
    if (args == nullptr) return false;
    for (const char* p = args; p < args + len && *p != '\0';) {
        const char* w = word;
        const char* q = p;
        while (*w != '\0' && q < args + len && *q == *w) ++q, ++w;
        if (*w == '\0' && (q == args + len || *q == ' ' || *q == '\0')) return true;
        while (p < args + len && *p != ' ' && *p != '\0') ++p;
        while (p < args + len && *p == ' ') ++p;
    }
    return false;
}

void system_off(const void* dtb) {
    int psci = fdt_node_offset_by_compatible(dtb, -1, "arm,psci-0.2");
    const char* method = psci >= 0 ? static_cast<const char*>(fdt_getprop(dtb, psci, "method", nullptr)) : nullptr;
    register u64 x0 asm("x0") = 0x84000008;  // PSCI SYSTEM_OFF
    if (method != nullptr && method[0] == 's') {
        asm volatile("smc #0" : "+r"(x0) :: "memory");
    } else {
        asm volatile("hvc #0" : "+r"(x0) :: "memory");
    }
    for (;;) asm volatile("wfi");
}

bool console_init(const void* dtb, bool xen) {
    if (!xen) {
        g_pl011 = reinterpret_cast<volatile u32*>(dt_reg(dtb, "arm,pl011", 0));
        return g_pl011 != nullptr;
    }
    u64 pfn = get_param(HVM_PARAM_CONSOLE_PFN);
    g_cons_port = static_cast<u32>(get_param(HVM_PARAM_CONSOLE_EVTCHN));
    if (pfn == 0) return false;
    g_cons = reinterpret_cast<xencons_interface*>(pfn << 12);
    return true;
}

void write(const char* s) {
    if (g_pl011 != nullptr) {
        for (; *s != '\0'; ++s) {
            while ((g_pl011[0x18 / 4] & (1u << 5)) != 0) {}  // TXFF
            g_pl011[0] = static_cast<unsigned char>(*s);
        }
        return;
    }
    if (g_cons == nullptr) return;
    while (*s != '\0') {
        XENCONS_RING_IDX cons = __atomic_load_n(&g_cons->out_cons, __ATOMIC_ACQUIRE);
        XENCONS_RING_IDX prod = g_cons->out_prod;
        if (prod - cons >= sizeof g_cons->out) {
            evtchn_send send{g_cons_port};
            hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, ptr(&send));
            hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
            continue;
        }
        while (*s != '\0' && prod - cons < sizeof g_cons->out) {
            g_cons->out[MASK_XENCONS_IDX(prod, g_cons->out)] = *s++;
            ++prod;
        }
        __atomic_store_n(&g_cons->out_prod, prod, __ATOMIC_RELEASE);
    }
    evtchn_send send{g_cons_port};
    hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, ptr(&send));
}

void write_dec(i64 v) {
    char buf[24];
    int i = sizeof buf - 1;
    buf[i] = '\0';
    bool neg = v < 0;
    u64 u = neg ? 0 - static_cast<u64>(v) : static_cast<u64>(v);
    do {
        buf[--i] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (neg) buf[--i] = '-';
    write(buf + i);
}

void write_hex(u64 v) {
    char buf[19] = "0x";
    for (int i = 0; i < 16; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    buf[18] = '\0';
    write(buf);
}

i64 shutdown(u32 reason) {
    sched_shutdown s{reason};
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, ptr(&s));
}

}  // namespace probe

extern "C" probe::u64 mmu_tables() {
    using namespace probe;
    for (u64 i = 0; i < 512; ++i) {
        u64 pa = i << 21;
        g_l2[i] = pa | kBlock | (pa < 0x08000000 ? kDevice : kNormal);
    }
    g_l1[0] = reinterpret_cast<u64>(g_l2) | kTable;
    g_l1[1] = (1ull << 30) | kBlock | kNormal;
    return reinterpret_cast<u64>(g_l1);
}

// Debian's libfdt.a is built with the stack protector.
extern "C" {
constinit probe::u64 __stack_chk_guard = 0x5445535345524131ull;
[[noreturn]] void __stack_chk_fail() {
    probe::write("probe: stack smashed\n");
    for (;;) probe::shutdown(SHUTDOWN_crash);
}
}
