// What a stage-2 (guest-physical to host-physical) entry maps, kept in software bits of the
// entry (Xen keeps the same kind of type in its p2m: arch/arm/include/asm/p2m.h).
#pragma once

#include "hv/types.h"

namespace hv::mm {

enum class P2mType : u8 {
    kNone = 0,    ///< not mapped
    kRam = 1,     ///< the domain's own RAM
    kMmio = 2,    ///< a device's registers (device memory attributes)
    kGrant = 3,   ///< another domain's page mapped through a grant
    kForeign = 4, ///< another domain's page mapped by privcmd (toolstack)
    kXenPage = 5, ///< a hypervisor page shown to the guest (shared_info, grant-table frames)
};

enum class Perm : u8 { kNone = 0, kRead = 1, kReadWrite = 3 };

}  // namespace hv::mm
