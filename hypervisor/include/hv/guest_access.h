// Copying hypercall arguments between hypervisor memory and guest virtual addresses. Pointers
// from guests are EL1&0 virtual addresses (kernel or, through privcmd, user space); each page
// is translated separately (XEN-ABI.md §1.2), and only the domain's own RAM is accessible.
#pragma once

#include "hv/addr.h"

namespace hv {
struct Vcpu;
}

namespace hv::arch {
/// Stage-1 translation of `va` for the vCPU whose EL1 state is loaded; false on a fault.
bool translate_gva(Vcpu& v, GVAddr va, bool write, IPAddr& out);
}  // namespace hv::arch

namespace hv {

/// False (the caller answers -EFAULT) if any byte is not readable RAM of the guest.
bool copy_from_guest(Vcpu& v, GVAddr src, void* dst, usize len);
/// False (-EFAULT) if any byte is not writable RAM of the guest.
bool copy_to_guest(Vcpu& v, GVAddr dst, const void* src, usize len);

template <typename T>
bool get_guest(Vcpu& v, GVAddr src, T& out) {
    return copy_from_guest(v, src, &out, sizeof(T));
}
template <typename T>
bool put_guest(Vcpu& v, GVAddr dst, const T& in) {
    return copy_to_guest(v, dst, &in, sizeof(T));
}

/// The hypervisor's view of guest page `gfn` if it is the domain's RAM (nullptr otherwise).
void* map_guest_ram(Vcpu& v, u64 gfn, bool write);

}  // namespace hv
