// The hypercall table and dispatcher (see hv/hypercall.h).
#include <utility>

#include "hv/arch/vcpu.h"
#include "hv/hypercall.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

template <typename T>
T convert(u64 raw) {
    if constexpr (__is_same(T, GVAddr)) {
        return GVAddr(raw);
    } else {
        return static_cast<T>(raw);
    }
}

/// Turns a typed handler into the uniform "registers in, x0 out" shape, without casts of
/// function pointers: each argument is converted from its register by type.
template <auto Fn>
struct Adapter;

template <typename... Args, i64 (*Fn)(Vcpu&, Args...)>
struct Adapter<Fn> {
    static i64 call(Vcpu& v) { return invoke(v, std::index_sequence_for<Args...>{}); }
    template <usize... I>
    static i64 invoke(Vcpu& v, std::index_sequence<I...>) {
        return Fn(v, convert<Args>(arch::reg(v, I))...);
    }
};

struct Entry {
    const char* name = nullptr;
    i64 (*call)(Vcpu&) = nullptr;
};

constexpr u64 kTableSize = 64;

struct Table {
    Entry entries[kTableSize];
};

constexpr Table make_table() {
    Table t{};
    t.entries[__HYPERVISOR_platform_op] = {"platform_op", &Adapter<platform_op>::call};
    t.entries[__HYPERVISOR_memory_op] = {"memory_op", &Adapter<memory_op>::call};
    t.entries[__HYPERVISOR_xen_version] = {"xen_version", &Adapter<xen_version>::call};
    t.entries[__HYPERVISOR_console_io] = {"console_io", &Adapter<console_io>::call};
    t.entries[__HYPERVISOR_grant_table_op] = {"grant_table_op", &Adapter<grant_table_op>::call};
    t.entries[__HYPERVISOR_vm_assist] = {"vm_assist", &Adapter<vm_assist>::call};
    t.entries[__HYPERVISOR_vcpu_op] = {"vcpu_op", &Adapter<vcpu_op>::call};
    t.entries[__HYPERVISOR_sched_op] = {"sched_op", &Adapter<sched_op>::call};
    t.entries[__HYPERVISOR_event_channel_op] = {"event_channel_op",
                                                &Adapter<event_channel_op>::call};
    t.entries[__HYPERVISOR_physdev_op] = {"physdev_op", &Adapter<physdev_op>::call};
    t.entries[__HYPERVISOR_hvm_op] = {"hvm_op", &Adapter<hvm_op>::call};
    t.entries[__HYPERVISOR_sysctl] = {"sysctl", &Adapter<sysctl>::call};
    t.entries[__HYPERVISOR_domctl] = {"domctl", &Adapter<domctl>::call};
    return t;
}

constexpr Table kTable = make_table();

}  // namespace

const char* name(u64 nr) { return nr < kTableSize ? kTable.entries[nr].name : nullptr; }

void dispatch(Vcpu& v) {
    u64 nr = arch::reg(v, 16);
    i64 ret = -kENOSYS;
    if (nr < kTableSize && kTable.entries[nr].call != nullptr) ret = kTable.entries[nr].call(v);
    arch::set_reg(v, 0, static_cast<u64>(ret));
}

}  // namespace hv::hypercall
