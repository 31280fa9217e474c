// Emulated MMIO: a per-domain map of guest-physical ranges to device models, with a tri-state
// result (the pattern of Xen's arch/arm/include/asm/mmio.h).
#pragma once

#include "hv/addr.h"

namespace hv {
struct Vcpu;
}

namespace hv::mmio {

enum class Result : u8 {
    kHandled,    ///< done; the guest continues after the access
    kUnhandled,  ///< no such register or bad width: the guest gets a data abort
    kRetry,      ///< try again later (re-run the instruction)
};

/// One access, as decoded from the trap.
struct Access {
    u64 offset = 0;   ///< from the region base
    u8 size = 4;      ///< bytes: 1, 2, 4 or 8
    bool write = false;
    u64 value = 0;    ///< in for writes, out for reads
};

struct Ops {
    Result (*access)(Vcpu& v, void* ctx, Access& a) = nullptr;
};

struct Region {
    IPAddr base;
    u64 size = 0;
    Ops ops;
    void* ctx = nullptr;
};

/// Per-domain region table.
class Bus {
public:
    static constexpr usize kMaxRegions = 8;
    /// Adds a region; false if full or overlapping another.
    bool add(const Region& r);
    /// Dispatches an access at `ipa`; kUnhandled when nothing claims it.
    Result dispatch(Vcpu& v, IPAddr ipa, Access& a) const;

private:
    Region regions_[kMaxRegions];
    usize count_ = 0;
};

}  // namespace hv::mmio
