// The hypervisor's command line (/chosen/xen,xen-bootargs or /chosen/bootargs), in Xen's syntax.
#pragma once

#include "hv/types.h"

namespace hv {

struct Options {
    u64 dom0_mem = 0;           ///< bytes; 0 = default (half of RAM, at most 1 GiB)
    u32 dom0_max_vcpus = 0;     ///< 0 = one per pCPU
    bool vwfi_trap = true;      ///< vwfi=trap (default) or native
    bool sched_null = false;    ///< sched=null: one vCPU per pCPU, no time slicing
    bool console_quiet = false; ///< console=none
    u32 loglvl = 2;             ///< 0 none, 1 error, 2 warning (default), 3 info, 4 debug/all
};

/// Parses `cmdline` into `out`. Unknown options are warned about and ignored; a known option
/// with a bad value is an error: false, after printing what was wrong.
bool parse_options(const char* cmdline, Options& out);

}  // namespace hv
