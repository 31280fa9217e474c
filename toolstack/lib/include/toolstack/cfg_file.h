// The xl.cfg configuration language (Xen's libxlu syntax): `key = value` settings, quoted strings,
// numbers, nested `[ ... ]` lists spanning lines, `#` comments, `;` separators and `key += value`.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// Where a value came from: the configuration source ("domU.cfg", "command line") and its line.
struct CfgLocation {
    std::string source;
    int line = 0;

    /// "domU.cfg:7", the prefix of every message about this value.
    std::string str() const { return source + ":" + std::to_string(line); }
};

/// A setting's value: an atom (string or number, both kept as text) or a list of values.
struct CfgValue {
    std::variant<std::string, std::vector<CfgValue>> data;
    CfgLocation where;

    bool is_atom() const { return std::holds_alternative<std::string>(data); }
    const std::string& atom() const { return std::get<std::string>(data); }
    const std::vector<CfgValue>& list() const { return std::get<std::vector<CfgValue>>(data); }
};

/// One `name = value` setting after `+=` concatenation; the last assignment of a name wins.
struct CfgSetting {
    std::string name;
    CfgValue value;
    bool appended = false;  ///< made (at least partly) with `+=`: numbers refuse it, as in Xen
};

/// A parsed configuration: the settings in order of first appearance.
class CfgFile {
public:
    /// Parses `text` (named `source` in messages) into an empty configuration.
    static Result<CfgFile> parse(std::string_view text, std::string source);

    /// Parses more settings into this configuration; they override (or `+=` extend) earlier ones.
    /// This is how `xl create cfg KEY=VALUE` applies command-line settings.
    Result<void> merge(std::string_view text, std::string source);

    /// The setting called `name`, or nullptr if the configuration does not set it.
    const CfgSetting* find(std::string_view name) const;

    /// Every setting, in the order their names first appeared.
    const std::vector<CfgSetting>& settings() const { return settings_; }

private:
    Result<void> store(CfgSetting setting);

    std::vector<CfgSetting> settings_;
};

}  // namespace tessera::toolstack
