// WATCH, UNWATCH, RESET_WATCHES, TRANSACTION_START, TRANSACTION_END.
#include <cerrno>

#include "daemon.hpp"
#include "path.hpp"

namespace tessera::xenstored {

namespace {
constexpr std::string_view kOk{"OK\0", 3};
}  // namespace

int Daemon::do_watch(Request& r) {
    if (r.args.size() != 2 || !r.tail.empty()) return EINVAL;
    const auto abs = path_arg(r, r.args[0], true);
    if (abs.empty()) return EINVAL;
    if (!r.who.privileged && watches_.count(r.conn.id()) >= quota_.watches) return E2BIG;
    Watch w{r.conn.id(), std::string(r.args[0]), abs, std::string(r.args[1])};
    if (!watches_.add(w)) return EEXIST;
    r.reply = kOk;
    // A new watch fires once straight away, after the reply.
    std::string payload(r.args[0]);
    payload.push_back('\0');
    payload.append(r.args[1]);
    payload.push_back('\0');
    r.after.push_back(xs::encode(XS_WATCH_EVENT, 0, 0, payload));
    return 0;
}

int Daemon::do_unwatch(Request& r) {
    if (r.args.size() != 2 || !r.tail.empty()) return EINVAL;
    const auto abs = path_arg(r, r.args[0], true);
    if (abs.empty()) return EINVAL;
    if (!watches_.remove(r.conn.id(), abs, std::string(r.args[1]))) return ENOENT;
    r.reply = kOk;
    return 0;
}

int Daemon::do_reset_watches(Request& r) {
    watches_.remove_all(r.conn.id());
    drop_transactions(r.conn);
    r.reply = kOk;
    return 0;
}

int Daemon::do_transaction_start(Request& r) {
    if (r.tx != nullptr) return EBUSY;
    auto& txs = r.conn.transactions();
    if (!r.who.privileged && txs.size() >= quota_.transactions) return ENOSPC;
    const auto id = r.conn.next_tx_id();
    txs.emplace(id, std::make_unique<Transaction>(store_));
    r.reply = std::to_string(id);
    r.reply.push_back('\0');
    return 0;
}

int Daemon::do_transaction_end(Request& r) {
    if (r.tx == nullptr) return ENOENT;
    if (r.args.size() != 1 || (r.args[0] != "T" && r.args[0] != "F")) return EINVAL;
    auto& txs = r.conn.transactions();
    auto owned = std::move(txs.at(r.msg.header.tx_id));
    txs.erase(r.msg.header.tx_id);
    r.tx = nullptr;  // the transaction is over whatever the outcome
    if (r.args[0] == "F") {
        r.reply = kOk;
        return 0;
    }
    if (owned->conflicts()) return EAGAIN;
    owned->commit();
    r.changes = std::move(owned->pending_changes());
    r.reply = kOk;
    return 0;
}

}  // namespace tessera::xenstored
