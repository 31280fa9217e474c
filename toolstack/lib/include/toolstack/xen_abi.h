// The Xen 4.17 public interface as the toolstack sees it: libs/hvcall's header (the Arm guest
// ABI on any build machine, domctl and sysctl included), plus the guest device-tree constants
// (which need the __XEN_TOOLS__ it defines, hence the order).
#pragma once

// clang-format off
#include "hvcall/xen_abi.hpp"
#include <xen/device_tree_defs.h>
// clang-format on
