// CPU list parsing with the semantics of xl's cpu ranges.
#include "toolstack/cpu_set.h"

#include <charconv>

namespace tessera::toolstack {
namespace {

/// Parses a decimal CPU number that fills `text` exactly.
Result<unsigned> parse_cpu(std::string_view text, std::string_view item) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return fail("invalid CPU range \"" + std::string(item) + "\"");
    }
    if (value >= kMaxPhysicalCpus) {
        return fail("CPU " + std::to_string(value) + " is out of range (at most " +
                    std::to_string(kMaxPhysicalCpus - 1) + ")");
    }
    return value;
}

}  // namespace

CpuSet CpuSet::all() {
    CpuSet set;
    set.bits_.set();
    return set;
}

Result<CpuSet> CpuSet::parse(std::string_view spec) {
    CpuSet set;
    size_t start = 0;
    bool any_item = false;
    while (start <= spec.size()) {
        size_t comma = spec.find(',', start);
        if (comma == std::string_view::npos) comma = spec.size();
        std::string_view item = spec.substr(start, comma - start);
        start = comma + 1;
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.empty()) continue;  // like strtok: empty items between commas vanish
        any_item = true;
        std::string_view body = item;
        const bool remove = body.starts_with('^');
        if (remove) body.remove_prefix(1);
        if (body.starts_with("node:") || body.starts_with("nodes:")) {
            return fail("NUMA node selection \"" + std::string(item) +
                        "\" is not supported: Tessera has no NUMA topology");
        }
        if (body == "all") {
            if (remove) return fail("\"^all\" is not allowed");
            set.bits_.set();
            continue;
        }
        const size_t dash = body.find('-');
        auto first = parse_cpu(body.substr(0, dash), item);
        if (!first) return std::unexpected(first.error());
        unsigned last = *first;
        if (dash != std::string_view::npos) {
            auto second = parse_cpu(body.substr(dash + 1), item);
            if (!second) return std::unexpected(second.error());
            if (*second < *first) return fail("invalid CPU range \"" + std::string(item) + "\"");
            last = *second;
        }
        for (unsigned cpu = *first; cpu <= last; ++cpu) set.bits_.set(cpu, !remove);
    }
    if (!any_item) return fail("empty CPU list");
    if (set.empty()) return fail("\"" + std::string(spec) + "\" selects no CPU");
    return set;
}

std::string CpuSet::str() const {
    if (is_all()) return "all";
    std::string out;
    unsigned cpu = 0;
    while (cpu < kMaxPhysicalCpus) {
        if (!bits_.test(cpu)) {
            ++cpu;
            continue;
        }
        unsigned end = cpu;
        while (end + 1 < kMaxPhysicalCpus && bits_.test(end + 1)) ++end;
        if (!out.empty()) out += ',';
        out += std::to_string(cpu);
        if (end != cpu) out += "-" + std::to_string(end);
        cpu = end + 1;
    }
    return out;
}

}  // namespace tessera::toolstack
