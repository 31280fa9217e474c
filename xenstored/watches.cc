#include "watches.hpp"

#include <algorithm>

#include "path.hpp"

namespace tessera::xenstored {

bool WatchTable::add(Watch w) {
    auto& list = by_path_[w.abs_path];
    for (const auto& e : list) {
        if (e.conn == w.conn && e.token == w.token) return false;
    }
    by_conn_[w.conn].push_back(w.abs_path);
    list.push_back(std::move(w));
    ++total_;
    return true;
}

bool WatchTable::remove(ConnId conn, const std::string& abs_path, const std::string& token) {
    const auto it = by_path_.find(abs_path);
    if (it == by_path_.end()) return false;
    auto& list = it->second;
    const auto w = std::find_if(list.begin(), list.end(),
                                [&](const Watch& e) { return e.conn == conn && e.token == token; });
    if (w == list.end()) return false;
    list.erase(w);
    if (list.empty()) by_path_.erase(it);
    auto& mine = by_conn_[conn];
    if (const auto p = std::find(mine.begin(), mine.end(), abs_path); p != mine.end())
        mine.erase(p);
    if (mine.empty()) by_conn_.erase(conn);
    --total_;
    return true;
}

void WatchTable::remove_all(ConnId conn) {
    const auto it = by_conn_.find(conn);
    if (it == by_conn_.end()) return;
    for (const auto& path : it->second) {
        const auto p = by_path_.find(path);
        if (p == by_path_.end()) continue;
        auto& list = p->second;
        const auto before = list.size();
        std::erase_if(list, [&](const Watch& e) { return e.conn == conn; });
        total_ -= before - list.size();
        if (list.empty()) by_path_.erase(p);
    }
    by_conn_.erase(it);
}

std::size_t WatchTable::count(ConnId conn) const {
    const auto it = by_conn_.find(conn);
    return it == by_conn_.end() ? 0 : it->second.size();
}

void WatchTable::match(const std::string& path, bool exact,
                       const std::function<void(const Watch&)>& fn) const {
    const auto fire = [&](const std::string& key) {
        const auto it = by_path_.find(key);
        if (it == by_path_.end()) return;
        // Copy: a callback may not modify the table, but keep iteration robust anyway.
        for (const auto& w : it->second) fn(w);
    };
    fire(path);
    if (exact || path.empty() || path[0] != '/') return;
    std::string cur = path;
    while (cur != "/") {
        cur = std::string(parent_of(cur));
        fire(cur);
    }
}

std::vector<Watch> WatchTable::of(ConnId conn) const {
    std::vector<Watch> out;
    const auto it = by_conn_.find(conn);
    if (it == by_conn_.end()) return out;
    auto paths = it->second;
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    for (const auto& p : paths) {
        for (const auto& w : by_path_.at(p)) {
            if (w.conn == conn) out.push_back(w);
        }
    }
    return out;
}

std::string event_path(const Watch& w, const std::string& changed, DomId watcher) {
    if (w.path.empty() || w.path[0] == '/' || w.path[0] == '@') return changed;
    const auto home = domain_path(watcher) + "/";
    return changed.starts_with(home) ? changed.substr(home.size()) : changed;
}

}  // namespace tessera::xenstored
