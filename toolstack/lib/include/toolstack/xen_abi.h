// The Xen 4.17 public interface (Debian's libxen-dev) as the toolstack sees it: the Arm guest ABI,
// whatever machine builds the toolstack (unit tests run on x86-64 hosts).
// The tools-only parts (the guest memory map of arch-arm.h, vcpu_guest_context) need __XEN_TOOLS__.
// domctl.h is left out on purpose: through hvm/save.h it demands GNU C, and the tree is strict C++.
#pragma once

#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif

#include <xen/arch-arm.h>

#include <cstdint>
// On an x86 build machine xen.h would add x86's arch definitions, which clash with Arm's; its
// include guard keeps them out. On aarch64 xen.h includes arch-arm.h itself, so this changes
// nothing.
#ifndef __XEN_PUBLIC_ARCH_X86_XEN_H__
#define __XEN_PUBLIC_ARCH_X86_XEN_H__
#endif
#include <xen/device_tree_defs.h>
#include <xen/grant_table.h>
#include <xen/hvm/params.h>
#include <xen/xen.h>
