// Physical CPU sets as xl.cfg writes them: "all", "3", "2-5", "^1", comma-separated combinations.
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// Highest physical CPU count a set may name (Xen's largest NR_CPUS build option).
inline constexpr unsigned kMaxPhysicalCpus = 4096;

/// A set of physical CPU numbers below kMaxPhysicalCpus.
class CpuSet {
public:
    /// Parses Xen's cpu list syntax. Items are applied left to right, so "all,^1" is every CPU but
    /// 1. NUMA node items ("node:0", "nodes:0-1") are refused: Tessera has no NUMA topology.
    static Result<CpuSet> parse(std::string_view spec);

    /// Every CPU.
    static CpuSet all();

    bool contains(unsigned cpu) const { return cpu < kMaxPhysicalCpus && bits_.test(cpu); }
    bool empty() const { return bits_.none(); }
    bool is_all() const { return bits_.all(); }
    size_t count() const { return bits_.count(); }
    void add(unsigned cpu) { bits_.set(cpu); }

    /// Canonical text: "all", or ranges such as "0,2-5".
    std::string str() const;

    bool operator==(const CpuSet&) const = default;

private:
    std::bitset<kMaxPhysicalCpus> bits_;
};

}  // namespace tessera::toolstack
