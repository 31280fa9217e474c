// Distinct address types, so a guest-physical address can never be used where a host-physical
// one is expected (and so on). Arithmetic stays within one type.
#pragma once

#include <compare>

#include "hv/types.h"

namespace hv {

template <typename Tag>
class Address {
public:
    constexpr Address() = default;
    constexpr explicit Address(u64 raw) : raw_(raw) {}
    constexpr u64 raw() const { return raw_; }
    constexpr Address operator+(u64 off) const { return Address(raw_ + off); }
    constexpr u64 operator-(Address other) const { return raw_ - other.raw_; }
    constexpr auto operator<=>(const Address&) const = default;
    constexpr u64 page_number() const { return raw_ >> kPageShift; }
    constexpr bool page_aligned() const { return (raw_ & (kPageSize - 1)) == 0; }

private:
    u64 raw_ = 0;
};

struct PhysTag {};
struct GuestPhysTag {};
struct VirtTag {};
struct GuestVirtTag {};

/// Host physical address (what the MMU outputs at the last stage).
using PAddr = Address<PhysTag>;
/// Guest physical address: an intermediate physical address (IPA) in stage-2 terms.
using IPAddr = Address<GuestPhysTag>;
/// Hypervisor virtual address (EL2 stage-1).
using VAddr = Address<VirtTag>;
/// Guest virtual address (EL1&0 stage-1), as hypercall pointer arguments arrive.
using GVAddr = Address<GuestVirtTag>;

/// A half-open physical range [base, base + size).
struct PRange {
    PAddr base;
    u64 size = 0;
    constexpr PAddr end() const { return base + size; }
    constexpr bool contains(PAddr a) const { return a >= base && a < end(); }
    constexpr bool overlaps(const PRange& o) const {
        return size != 0 && o.size != 0 && base < o.end() && o.base < end();
    }
};

}  // namespace hv
