// xen_version, console_io, platform_op, vm_assist and physdev_op.
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domain_ops.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

/// XENFEAT bits reported to a domain (XEN-ABI.md §3.6).
u32 features_of(const Domain& d) {
    u32 f = 1u << XENFEAT_auto_translated_physmap;
    if (d.privileged) f |= 1u << XENFEAT_dom0;
    f |= d.direct_mapped ? 1u << XENFEAT_direct_mapped : 1u << XENFEAT_not_direct_mapped;
    return f;
}

i64 put_string(Vcpu& v, GVAddr arg, const char* s, usize size) {
    char buf[1024] = {};
    for (usize i = 0; i + 1 < size && s[i] != '\0'; ++i) buf[i] = s[i];
    return copy_to_guest(v, arg, buf, size) ? 0 : -kEFAULT;
}

}  // namespace

i64 xen_version(Vcpu& v, u32 cmd, GVAddr arg) {
    switch (cmd) {
        case XENVER_version: return (4 << 16) | 17;
        case XENVER_get_features: {
            xen_feature_info info;
            if (!get_guest(v, arg, info)) return -kEFAULT;
            info.submap = info.submap_idx == 0 ? features_of(*v.domain) : 0;
            return put_guest(v, arg, info) ? 0 : -kEFAULT;
        }
        case XENVER_extraversion:
            return put_string(v, arg, ".0-tessera", sizeof(xen_extraversion_t));
        case XENVER_capabilities:
            return put_string(v, arg, "xen-3.0-aarch64", sizeof(xen_capabilities_info_t));
        case XENVER_changeset: return put_string(v, arg, "tessera", sizeof(xen_changeset_info_t));
        case XENVER_compile_info: {
            xen_compile_info_t info = {};
            const char* who = "tessera";
            for (usize i = 0; who[i] != '\0'; ++i) info.compiler[i] = info.compile_by[i] = who[i];
            return put_guest(v, arg, info) ? 0 : -kEFAULT;
        }
        case XENVER_platform_parameters: {
            xen_platform_parameters_t p = {};
            return put_guest(v, arg, p) ? 0 : -kEFAULT;
        }
        case XENVER_pagesize: return static_cast<i64>(kPageSize);
        case XENVER_guest_handle: {
            xen_domain_handle_t h = {};
            return put_guest(v, arg, h) ? 0 : -kEFAULT;
        }
        default: return -kENOSYS;
    }
}

i64 console_io(Vcpu& v, u32 cmd, u32 count, GVAddr buf) {
    // Only dom0 may use the hypervisor console (Xen allows domUs only in debug builds).
    if (!v.domain->privileged) return -kEPERM;
    char chunk[128];
    switch (cmd) {
        case CONSOLEIO_write: {
            for (u32 done = 0; done < count;) {
                u32 n = count - done < sizeof chunk ? count - done : sizeof chunk;
                if (!copy_from_guest(v, buf + done, chunk, n)) return -kEFAULT;
                console::write_guest(chunk, n);
                done += n;
            }
            return 0;
        }
        case CONSOLEIO_read: {
            u32 n = count < sizeof chunk ? count : sizeof chunk;
            usize got = console::input_read(chunk, n);
            if (got > 0 && !copy_to_guest(v, buf, chunk, got)) return -kEFAULT;
            return static_cast<i64>(got);
        }
        default: return -kEINVAL;
    }
}

i64 platform_op(Vcpu& v, GVAddr arg) {
    if (!v.domain->privileged) return -kEPERM;
    xen_platform_op op;
    if (!get_guest(v, arg, op)) return -kEFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION) return -kEACCES;
    if (op.cmd != XENPF_settime64) return -kENOSYS;
    if (op.u.settime64.mbz != 0) return -kEINVAL;
    set_wallclock(op.u.settime64.secs, op.u.settime64.nsecs, op.u.settime64.system_time);
    return 0;
}

i64 vm_assist(Vcpu&, u32 cmd, u32 type) {
    // Xen on Arm accepts only the runstate update flag (XEN-ABI.md §4.2).
    if (type != VMASST_TYPE_runstate_update_flag) return -kEINVAL;
    return cmd == VMASST_CMD_enable || cmd == VMASST_CMD_disable ? 0 : -kENOSYS;
}

i64 physdev_op(Vcpu&, u32, GVAddr) { return -kENOSYS; }  // no PCI passthrough yet

}  // namespace hv::hypercall
