// Daemon state file: the tree, the special nodes' permissions, introduced domains, the watches
// of domain connections and their unfinished ring traffic, so that a restarted xenstored keeps
// serving the same guests. Text, one record per line (docs/xenstored.md has the format);
// written to a temporary file and renamed, so a crash never leaves half a state file.
#pragma once

#include <string>

#include "daemon.hpp"

namespace tessera::xenstored {

/// Serialise the daemon's state.
std::string serialize_state(Daemon& daemon);
/// Restore state into a freshly started daemon (dom0's ring, if any, already attached).
/// Domains are re-introduced through the daemon's connector. Returns 0, or EINVAL with a
/// description in error for a malformed file.
int restore_state(Daemon& daemon, const std::string& text, std::string& error);

/// serialize_state to path atomically; 0 or an errno value.
int save_state_file(Daemon& daemon, const std::string& path);
/// Read and restore path; ENOENT if there is no state file.
int load_state_file(Daemon& daemon, const std::string& path, std::string& error);

}  // namespace tessera::xenstored
