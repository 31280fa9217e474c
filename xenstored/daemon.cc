// Daemon core: connection registry, the request table and dispatch, watch firing.
#include "daemon.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "ops.hpp"
#include "path.hpp"

namespace tessera::xenstored {

std::optional<std::uint64_t> parse_number(std::string_view s) {
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

Daemon::Daemon(Quota quota) : quota_(quota) {
    special_["@introduceDomain"] = {Perm{0, kNone}};
    special_["@releaseDomain"] = {Perm{0, kNone}};
    // The tree Xen's daemon starts with.
    std::vector<Change> ignored;
    const Requester dom0{};
    OpContext ctx{store_, dom0, quota_, ignored};
    op_mkdir(ctx, "/tool/xenstored");
}

const std::array<Daemon::Entry, XS_TYPE_COUNT>& Daemon::table() {
    // Policy is data: privileged-only, transaction id ignored, changes the store.
    static const auto kTable = [] {
        std::array<Entry, XS_TYPE_COUNT> t{};
        t[XS_CONTROL] = {&Daemon::do_control, kPrivileged | kNoTransaction};
        t[XS_DIRECTORY] = {&Daemon::do_directory, 0};
        t[XS_READ] = {&Daemon::do_read, 0};
        t[XS_GET_PERMS] = {&Daemon::do_get_perms, 0};
        t[XS_WATCH] = {&Daemon::do_watch, kNoTransaction};
        t[XS_UNWATCH] = {&Daemon::do_unwatch, kNoTransaction};
        t[XS_TRANSACTION_START] = {&Daemon::do_transaction_start, 0};
        t[XS_TRANSACTION_END] = {&Daemon::do_transaction_end, kMutating};
        t[XS_INTRODUCE] = {&Daemon::do_introduce, kPrivileged | kNoTransaction | kMutating};
        t[XS_RELEASE] = {&Daemon::do_release, kPrivileged | kNoTransaction | kMutating};
        t[XS_GET_DOMAIN_PATH] = {&Daemon::do_get_domain_path, kNoTransaction};
        t[XS_WRITE] = {&Daemon::do_write, kMutating};
        t[XS_MKDIR] = {&Daemon::do_mkdir, kMutating};
        t[XS_RM] = {&Daemon::do_rm, kMutating};
        t[XS_SET_PERMS] = {&Daemon::do_set_perms, kMutating};
        t[XS_IS_DOMAIN_INTRODUCED] = {&Daemon::do_is_domain_introduced, kNoTransaction};
        t[XS_RESUME] = {&Daemon::do_resume, kPrivileged | kNoTransaction};
        t[XS_SET_TARGET] = {&Daemon::do_set_target, kPrivileged | kNoTransaction | kMutating};
        t[XS_RESET_WATCHES] = {&Daemon::do_reset_watches, kNoTransaction};
        t[XS_DIRECTORY_PART] = {&Daemon::do_directory_part, 0};
        return t;
    }();
    return kTable;
}

std::shared_ptr<Connection> Daemon::add_connection(Connection::Kind kind, DomId domid) {
    auto conn = std::make_shared<Connection>(next_conn_id_++, kind, domid);
    conns_.emplace(conn->id(), conn);
    return conn;
}

void Daemon::remove_connection(ConnId id) {
    const auto it = conns_.find(id);
    if (it == conns_.end()) return;
    watches_.remove_all(id);
    drop_transactions(*it->second);
    it->second->close();
    for (auto& [domid, d] : domains_) {
        if (d.conn == id) d.conn = 0;
    }
    conns_.erase(it);
}

std::shared_ptr<Connection> Daemon::connection(ConnId id) const {
    const auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second;
}

void Daemon::drop_transactions(Connection& conn) {
    conn.transactions().clear();
}

void Daemon::send_error(Connection& conn, const xs::Header& h, int err) {
    const auto name = xs::error_name(err);
    std::string payload(name);
    payload.push_back('\0');
    conn.queue(xs::encode(XS_ERROR, h.req_id, h.tx_id, payload), false);
}

std::string Daemon::path_arg(const Request& r, std::string_view arg, bool allow_special) const {
    return canonicalize(arg, r.conn.domid(), r.who.privileged, quota_.path_max, allow_special);
}

void Daemon::handle(Connection& conn, const xs::Message& msg) {
    const auto& h = msg.header;
    Request r{conn, msg, conn.requester(), nullptr, {}, {}, {}, {}, {}};
    int err = 0;
    const Entry* entry = h.type < XS_TYPE_COUNT ? &table()[h.type] : nullptr;
    if (entry == nullptr || entry->handler == nullptr || msg.payload.size() != h.len ||
        h.len > xs::kPayloadMax) {
        err = EINVAL;
    } else if ((entry->flags & kPrivileged) && !r.who.privileged) {
        err = EACCES;
    } else if (!(entry->flags & kNoTransaction) && h.tx_id != 0) {
        const auto t = conn.transactions().find(h.tx_id);
        if (t == conn.transactions().end()) {
            err = ENOENT;
        } else {
            r.tx = t->second.get();
            if (!r.who.privileged && (entry->flags & kMutating) &&
                r.tx->touched() >= quota_.transaction_nodes) {
                err = ENOSPC;
            }
        }
    }
    if (err == 0) {
        r.args = xs::split_strings(msg.payload, &r.tail);
        err = (this->*(entry->handler))(r);
    }
    if (verbose) {
        std::fprintf(stderr, "xenstored: conn %llu dom %u %s tx %u -> %s\n",
                     static_cast<unsigned long long>(conn.id()), conn.domid(),
                     std::string(xs::type_name(h.type)).c_str(), h.tx_id,
                     err != 0 ? std::string(xs::error_name(err)).c_str() : "OK");
    }
    if (err != 0) {
        send_error(conn, h, err);
        return;
    }
    conn.queue(xs::encode(h.type, h.req_id, h.tx_id, r.reply), false);
    for (auto& m : r.after) conn.queue(std::move(m), true);
    if (r.tx != nullptr) {
        auto& pending = r.tx->pending_changes();
        pending.insert(pending.end(), r.changes.begin(), r.changes.end());
    } else {
        for (const auto& c : r.changes) fire(c);
    }
}

void Daemon::fire(const Change& change) {
    watches_.match(change.path, change.exact, [&](const Watch& w) {
        const auto it = conns_.find(w.conn);
        if (it == conns_.end()) return;
        Connection& watcher = *it->second;
        if (!(access_for(watcher.requester(), change.perms) & kRead)) return;
        std::string payload = event_path(w, change.path, watcher.domid());
        payload.push_back('\0');
        payload.append(w.token);
        payload.push_back('\0');
        watcher.queue(xs::encode(XS_WATCH_EVENT, 0, 0, payload), true);
    });
}

void Daemon::adopt_domain_connection(const Domain& d, const std::shared_ptr<Connection>& conn) {
    conns_.emplace(conn->id(), conn);
    auto& slot = domains_[d.id];
    slot = d;
    slot.conn = conn->id();
    if (slot.target) conn->target() = slot.target;
}

int Daemon::introduce(DomId id, std::uint64_t mfn, std::uint32_t port, bool fire_event) {
    if (const auto it = domains_.find(id); it != domains_.end()) {
        return it->second.mfn == mfn && it->second.port == port ? 0 : EEXIST;
    }
    Domain d{id, mfn, port, std::nullopt, 0};
    if (connector_ != nullptr) {
        int err = 0;
        auto conn = connector_->connect(*this, d, err);
        if (!conn) return err != 0 ? err : EIO;
        conns_.emplace(conn->id(), conn);
        d.conn = conn->id();
    }
    domains_.emplace(id, d);
    if (fire_event) fire(Change{"@introduceDomain", false, special_["@introduceDomain"]});
    return 0;
}

int Daemon::set_target(DomId id, DomId target) {
    const auto it = domains_.find(id);
    if (it == domains_.end()) return ENOENT;
    it->second.target = target;
    if (auto conn = connection(it->second.conn)) conn->target() = target;
    return 0;
}

int Daemon::release(DomId id) {
    const auto it = domains_.find(id);
    if (it == domains_.end()) return ENOENT;
    const ConnId conn = it->second.conn;
    domains_.erase(it);
    if (conn != 0) {
        if (connector_ != nullptr) connector_->disconnect(conn);
        remove_connection(conn);
    }
    fire(Change{"@releaseDomain", false, special_["@releaseDomain"]});
    return 0;
}

}  // namespace tessera::xenstored
