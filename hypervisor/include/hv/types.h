// Basic fixed-width types and helpers shared by every hypervisor file (freestanding).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hv {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i32 = std::int32_t;
using i64 = std::int64_t;
using usize = std::size_t;

/// 4 KiB translation granule (Arm ARM D8.2: the only granule Tessera uses).
inline constexpr u64 kPageShift = 12;
inline constexpr u64 kPageSize = u64{1} << kPageShift;

/// Rounds `v` down / up to a power-of-two `align`.
constexpr u64 align_down(u64 v, u64 align) { return v & ~(align - 1); }
constexpr u64 align_up(u64 v, u64 align) { return (v + align - 1) & ~(align - 1); }

}  // namespace hv
