// Typed access to xl.cfg settings with file:line:key messages (internal to the library).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "toolstack/cfg_file.h"
#include "toolstack/result.h"

namespace tessera::toolstack::detail {

/// Reads settings from a CfgFile, remembering which names were consulted so the rest can be
/// reported as unknown.
class CfgReader {
public:
    explicit CfgReader(const CfgFile& file) : file_(file) {}

    /// The setting, marking its name as known.
    const CfgSetting* get(std::string_view name);

    /// A single-value setting as text; error if it is a list.
    Result<std::optional<std::string>> string(std::string_view name);

    /// A number in [min, max], read as C's strtol with base 0 reads it (so 0x10 and 010 work).
    Result<std::optional<int64_t>> number(std::string_view name, int64_t min, int64_t max);

    /// A list setting; error if it is a single value.
    Result<const std::vector<CfgValue>*> list(std::string_view name);

    /// "domU.cfg:7: name: what", the form of every message about a setting.
    static std::string message(const CfgValue& value, std::string_view name, std::string_view what);

    /// Names that were present in the file but never consulted, with their locations.
    std::vector<const CfgSetting*> unconsulted() const;

    /// Marks a name as consulted without reading it.
    void mark(std::string_view name) { consulted_.emplace(name); }

private:
    const CfgFile& file_;
    std::set<std::string, std::less<>> consulted_;
};

}  // namespace tessera::toolstack::detail
