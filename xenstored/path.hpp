// Node path rules (Xen is_valid_nodename and canonicalisation of relative paths).
#pragma once

#include <string>
#include <string_view>

#include "perms.hpp"

namespace tessera::xenstored {

/// "/local/domain/<id>", the home of a domain's relative paths.
std::string domain_path(DomId id);

/// True for the special watch-only nodes "@introduceDomain" and "@releaseDomain".
bool is_special(std::string_view path);

/// Turn a request path into an absolute one: relative paths are joined to the requester's
/// domain path; "@" paths are returned unchanged. Empty string if the result is invalid
/// (bad characters, "//", trailing '/', too long for path_max beyond the domain path).
std::string canonicalize(std::string_view path, DomId requester, bool privileged,
                         std::size_t path_max, bool allow_special);

/// Parent of an absolute path ("/" for top-level nodes).
std::string_view parent_of(std::string_view path);
/// Last component of an absolute path.
std::string_view basename_of(std::string_view path);
/// True if child is path itself or lies below it.
bool is_within(std::string_view child, std::string_view path);
/// Join a directory path and a child name.
std::string child_path(std::string_view dir, std::string_view name);

}  // namespace tessera::xenstored
