// The Xen 4.17 public interface, from Debian's libxen-dev headers (the ABI definition we adopt).
//
// Two structures cannot be used from C++ as they are: vcpu_info and shared_info end with empty
// arch structs, which have size 0 in C (a GNU extension) but 1 in C++, shifting the layout. They
// are mirrored here with the C layout; core/abi_check.c asserts the same offsets against the
// headers compiled as C, so the mirror cannot drift from the published interface.
#pragma once

#include <cstdint>

#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1  // arch-arm.h guest layout constants (GUEST_*)
#endif
// The Arm ABI on every build machine, so that host unit tests see the layouts the EL2 image uses:
// arch-arm.h first with the x86 arch header's guard pre-defined; domctl.h's hvm/save.h (x86 only,
// not strict C++) skipped; __x86_64__ hidden while domctl.h and sysctl.h are read.
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
#include <xen/physdev.h>
#include <xen/platform.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>
#pragma push_macro("__x86_64__")
#pragma push_macro("__i386__")
#undef __x86_64__
#undef __i386__
#include <xen/domctl.h>
#include <xen/sysctl.h>
#pragma pop_macro("__i386__")
#pragma pop_macro("__x86_64__")

#include "hv/types.h"

namespace hv {

/// struct vcpu_info (xen/xen.h) with its C layout on arm64.
struct VcpuInfo {
    u8 evtchn_upcall_pending;
    u8 pad0;
    u8 pad1[6];
    u64 evtchn_pending_sel;
    vcpu_time_info_t time;
};
static_assert(sizeof(VcpuInfo) == 48);
static_assert(__builtin_offsetof(VcpuInfo, evtchn_pending_sel) == 8);

/// struct shared_info (xen/xen.h) with its C layout on arm64.
struct SharedInfo {
    VcpuInfo vcpu_info[XEN_LEGACY_MAX_VCPUS];  // 1 on Arm
    u64 evtchn_pending[sizeof(xen_ulong_t) * 8];
    u64 evtchn_mask[sizeof(xen_ulong_t) * 8];
    u32 wc_version;
    u32 wc_sec;
    u32 wc_nsec;
    u32 wc_sec_hi;
};
static_assert(sizeof(SharedInfo) == 1088);
static_assert(__builtin_offsetof(SharedInfo, evtchn_pending) == 48);
static_assert(__builtin_offsetof(SharedInfo, evtchn_mask) == 560);
static_assert(__builtin_offsetof(SharedInfo, wc_version) == 1072);

/// Xen's errno values (equal to Linux's on arm64: xen/include/public/errno.h).
enum Errno : i64 {
    kEPERM = 1, kENOENT = 2, kESRCH = 3, kE2BIG = 7, kEAGAIN = 11, kENOMEM = 12, kEACCES = 13,
    kEFAULT = 14, kEBUSY = 16, kEEXIST = 17, kEXDEV = 18, kEINVAL = 22, kENOSPC = 28, kERANGE = 34,
    kENOSYS = 38, kEOPNOTSUPP = 95,
};

}  // namespace hv
