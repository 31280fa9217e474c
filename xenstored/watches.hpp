// Registered watches, indexed by absolute path so that a change looks up only its own path and
// its ancestors instead of scanning every watch.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "connection.hpp"

namespace tessera::xenstored {

struct Watch {
    ConnId conn = 0;
    std::string path;      ///< as the client gave it (relative paths are reported relative)
    std::string abs_path;  ///< canonical path
    std::string token;
};

class WatchTable {
public:
    /// False if this connection already watches path with token (EEXIST).
    bool add(Watch w);
    /// False if no such watch (ENOENT).
    bool remove(ConnId conn, const std::string& abs_path, const std::string& token);
    /// Remove every watch of a connection.
    void remove_all(ConnId conn);
    std::size_t count(ConnId conn) const;
    std::size_t size() const { return total_; }
    /// Call fn for every watch a change at path fires: watches on path itself and, unless
    /// exact, watches on its ancestors.
    void match(const std::string& path, bool exact,
               const std::function<void(const Watch&)>& fn) const;
    /// Every watch of a connection (persistence).
    std::vector<Watch> of(ConnId conn) const;

private:
    std::unordered_map<std::string, std::vector<Watch>> by_path_;
    std::unordered_map<ConnId, std::vector<std::string>> by_conn_;  ///< abs paths, may repeat
    std::size_t total_ = 0;
};

/// The path a watcher is told about: relative to its domain path when it watched relatively.
std::string event_path(const Watch& w, const std::string& changed, DomId watcher);

}  // namespace tessera::xenstored
