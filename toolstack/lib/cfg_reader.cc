// Typed xl.cfg setting access.
#include "cfg_reader.h"

#include <cerrno>
#include <cstdlib>

namespace tessera::toolstack::detail {

const CfgSetting* CfgReader::get(std::string_view name) {
    consulted_.emplace(name);
    return file_.find(name);
}

std::string CfgReader::message(const CfgValue& value, std::string_view name,
                               std::string_view what) {
    return value.where.str() + ": " + std::string(name) + ": " + std::string(what);
}

Result<std::optional<std::string>> CfgReader::string(std::string_view name) {
    const CfgSetting* s = get(name);
    if (!s) return std::nullopt;
    if (!s->value.is_atom())
        return fail(message(s->value, name, "expected a single value, got a list"));
    return s->value.atom();
}

Result<std::optional<int64_t>> CfgReader::number(std::string_view name, int64_t min, int64_t max) {
    const CfgSetting* s = get(name);
    if (!s) return std::nullopt;
    if (!s->value.is_atom()) return fail(message(s->value, name, "expected a number, got a list"));
    if (s->appended) return fail(message(s->value, name, "can't use += with numbers"));
    const std::string& text = s->value.atom();
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 0);
    if (text.empty() || *end != '\0' || end == text.c_str()) {
        return fail(message(s->value, name, "expected a number, got \"" + text + "\""));
    }
    if (errno == ERANGE || v < min || v > max) {
        return fail(message(s->value, name,
                            text + " is out of range (" + std::to_string(min) + " to " +
                                std::to_string(max) + ")"));
    }
    return static_cast<int64_t>(v);
}

Result<const std::vector<CfgValue>*> CfgReader::list(std::string_view name) {
    const CfgSetting* s = get(name);
    if (!s) return nullptr;
    if (s->value.is_atom()) {
        return fail(
            message(s->value, name, "expected a list [ ... ], got \"" + s->value.atom() + "\""));
    }
    return &s->value.list();
}

std::vector<const CfgSetting*> CfgReader::unconsulted() const {
    std::vector<const CfgSetting*> out;
    for (const CfgSetting& s : file_.settings()) {
        if (!consulted_.contains(s.name)) out.push_back(&s);
    }
    return out;
}

}  // namespace tessera::toolstack::detail
