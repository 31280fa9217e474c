#include "path.hpp"

#include <algorithm>

extern "C" {
#include <xen/io/xs_wire.h>
}

namespace tessera::xenstored {

std::string domain_path(DomId id) {
    return "/local/domain/" + std::to_string(id);
}

bool is_special(std::string_view path) {
    return path == "@introduceDomain" || path == "@releaseDomain";
}

namespace {

bool valid_chars(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '_' || c == '-' || c == '@';
    });
}

}  // namespace

std::string canonicalize(std::string_view path, DomId requester, bool privileged,
                         std::size_t path_max, bool allow_special) {
    if (path.empty()) return {};
    if (path[0] == '@')
        return allow_special && is_special(path) ? std::string(path) : std::string();
    std::string abs;
    const auto home = domain_path(requester);
    if (path[0] == '/') {
        abs = path;
    } else {
        if (path.size() > XENSTORE_REL_PATH_MAX) return {};
        abs = home + "/";
        abs.append(path);
    }
    if (abs.size() > XENSTORE_ABS_PATH_MAX) return {};
    if (abs.size() > 1 && abs.back() == '/') return {};
    if (abs.find("//") != std::string::npos) return {};
    if (!valid_chars(abs)) return {};
    if (!privileged && abs.size() > home.size() + path_max) return {};
    return abs;
}

std::string_view parent_of(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == 0 || slash == std::string_view::npos) return "/";
    return path.substr(0, slash);
}

std::string_view basename_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_within(std::string_view child, std::string_view path) {
    if (path == "/") return !child.empty() && child[0] == '/';
    if (!child.starts_with(path)) return false;
    return child.size() == path.size() || child[path.size()] == '/';
}

std::string child_path(std::string_view dir, std::string_view name) {
    std::string out(dir);
    if (out != "/") out.push_back('/');
    out.append(name);
    return out;
}

}  // namespace tessera::xenstored
