// The Xen 4.17 public interface (Debian's libxen-dev) as the dom0 libraries see it: the Arm ABI
// whatever machine builds them, so that the fakes exercised by host unit tests use the same
// structure layouts as the aarch64 dom0 binaries.
//
// Include this header instead of <xen/...> directly. It deals with three quirks of the headers:
//  - xen.h picks its arch header from the compiler's target; arch-arm.h is included first and the
//    x86 arch guard is pre-defined so an x86-64 build machine gets the Arm definitions too (the
//    toolstack's xen_abi.h does the same, so both can appear in one translation unit);
//  - domctl.h includes hvm/save.h, which refuses strict ISO C++ and which domctl.h does not use
//    on Arm: its include guard is pre-defined;
//  - domctl.h and sysctl.h have x86-only members guarded by __x86_64__; it is hidden while they
//    are read, so they have their Arm layout (static_asserts below pin the sizes).
#pragma once

#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif

#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

#include <xen/arch-arm.h>
#ifndef __XEN_PUBLIC_ARCH_X86_XEN_H__
#define __XEN_PUBLIC_ARCH_X86_XEN_H__
#endif
#ifndef __XEN_PUBLIC_HVM_SAVE_H__
#define __XEN_PUBLIC_HVM_SAVE_H__
#endif

#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/xen.h>

#pragma push_macro("__x86_64__")
#pragma push_macro("__i386__")
#undef __x86_64__
#undef __i386__
#include <xen/domctl.h>
#include <xen/sysctl.h>
#pragma pop_macro("__i386__")
#pragma pop_macro("__x86_64__")

namespace tessera::xen {

/// Xen's page: 4 KiB on Arm whatever the guest's granule (xen/io/ring.h XEN_PAGE_SHIFT = 12).
inline constexpr std::size_t kXenPageShift = 12;
inline constexpr std::size_t kXenPageSize = std::size_t{1} << kXenPageShift;

// The Arm layouts (xen/include/public/domctl.h and sysctl.h, 4.17): what the hypervisor expects.
static_assert(sizeof(xen_domctl) == 144);
static_assert(offsetof(xen_domctl, u) == 16);
static_assert(sizeof(xen_pfn_t) == 8);

/// Store a pointer in a 64-bit guest handle (what set_xen_guest_handle does, without __typeof__).
template <class Handle, class T>
void set_guest_handle(Handle& handle, T* pointer) {
    handle.q = reinterpret_cast<std::uintptr_t>(pointer);
}

/// The pointer held in a 64-bit guest handle.
template <class T, class Handle>
T* guest_handle_pointer(const Handle& handle) {
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(handle.q));
}

}  // namespace tessera::xen
