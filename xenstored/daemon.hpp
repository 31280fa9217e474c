// The xenstore daemon's core: the store, watches, domains and connections, and the request
// table through which every message is dispatched. It does no I/O of its own: transports feed it
// decoded messages and drain each Connection's output queue. Being synchronous and I/O free, it
// is what the unit tests and the fuzzer drive directly.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "quota.hpp"
#include "store.hpp"
#include "watches.hpp"
#include "xs/wire.hpp"

namespace tessera::xenstored {

/// An introduced domain.
struct Domain {
    DomId id = 0;
    std::uint64_t mfn = 0;   ///< ring frame as given to INTRODUCE (we map grant ref 1)
    std::uint32_t port = 0;  ///< the guest's event-channel port
    std::optional<DomId> target;
    ConnId conn = 0;  ///< its ring connection, 0 when served without rings (host mode)
    bool shutdown = false;  ///< seen shut down by check_domains (RESUME clears it)
};

/// What the hypervisor says about an introduced domain (check_domains).
enum class DomainStatus { kRunning, kShutdown, kDying, kGone, kUnknown };

class Daemon;

/// Gives introduced domains a ring connection (domain_rings.hpp); absent in host mode.
class DomainConnector {
public:
    virtual ~DomainConnector() = default;
    /// Map the domain's ring and bind its event channel; nullptr and err on failure.
    virtual std::shared_ptr<Connection> connect(Daemon& daemon, const Domain& domain, int& err) = 0;
    /// Stop serving a connection made by connect().
    virtual void disconnect(ConnId conn) = 0;
    /// Partially received request bytes of a connection (persisted across restarts).
    virtual std::string partial_input(ConnId) const { return {}; }
    virtual void restore_partial_input(ConnId, const std::string&) {}
};

class Daemon {
public:
    explicit Daemon(Quota quota = {});

    /// Register a new client connection.
    std::shared_ptr<Connection> add_connection(Connection::Kind kind, DomId domid);
    /// Forget a connection: its watches and transactions go with it.
    void remove_connection(ConnId id);
    std::shared_ptr<Connection> connection(ConnId id) const;

    /// Process one request from conn; the reply (and any watch events) are queued on
    /// connections. Never throws on bad input: malformed requests get an error reply.
    void handle(Connection& conn, const xs::Message& msg);

    /// Domain bookkeeping (INTRODUCE and restore share it). Returns 0 or an errno value.
    int introduce(DomId id, std::uint64_t mfn, std::uint32_t port, bool fire_event);
    int release(DomId id);
    /// What Xen's xenstored does on VIRQ_DOM_EXC: ask `status` about every introduced domain
    /// but dom0. A domain newly shut down fires @releaseDomain (once for all of them); a dying
    /// or vanished one is released as by RELEASE (connection, watches and transactions dropped,
    /// @releaseDomain fired). kUnknown (the hypervisor could not tell) changes nothing.
    /// Returns the domains whose state changed, with what was seen.
    std::vector<std::pair<DomId, DomainStatus>> check_domains(
        const std::function<DomainStatus(DomId)>& status);
    /// SET_TARGET: the domain gets its target's rights. 0 or ENOENT.
    int set_target(DomId id, DomId target);
    const std::map<DomId, Domain>& domains() const { return domains_; }
    void set_connector(DomainConnector* c) { connector_ = c; }
    DomainConnector* connector() const { return connector_; }
    /// Register a ring connection made outside INTRODUCE (dom0's own xsd_kva ring).
    void adopt_domain_connection(const Domain& d, const std::shared_ptr<Connection>& conn);

    Store& store() { return store_; }
    WatchTable& watches() { return watches_; }
    Quota& quota() { return quota_; }
    std::map<std::string, Perms>& special_perms() { return special_; }

    /// Hook for CONTROL save (persist.hpp): returns 0 or an errno value.
    std::function<int()> save_state;
    bool verbose = false;

    /// Announce a change to every watcher allowed to see it.
    void fire(const Change& change);

private:
    struct Request {
        Connection& conn;
        const xs::Message& msg;
        Requester who;
        Transaction* tx = nullptr;
        std::vector<std::string_view> args;  ///< NUL-terminated strings of the payload
        std::string_view tail;               ///< bytes after the last NUL
        std::string reply;
        std::vector<Change> changes;
        std::vector<std::string> after;  ///< messages to queue after the reply
    };
    using Handler = int (Daemon::*)(Request&);
    enum Flag : unsigned { kPrivileged = 1, kNoTransaction = 2, kMutating = 4 };
    struct Entry {
        Handler handler = nullptr;
        unsigned flags = 0;
    };
    static const std::array<Entry, XS_TYPE_COUNT>& table();

    // Node requests (daemon_nodes.cc).
    int do_read(Request& r);
    int do_write(Request& r);
    int do_mkdir(Request& r);
    int do_rm(Request& r);
    int do_directory(Request& r);
    int do_directory_part(Request& r);
    int do_get_perms(Request& r);
    int do_set_perms(Request& r);
    // Watches and transactions (daemon_watch_tx.cc).
    int do_watch(Request& r);
    int do_unwatch(Request& r);
    int do_reset_watches(Request& r);
    int do_transaction_start(Request& r);
    int do_transaction_end(Request& r);
    // Domains (daemon_domains.cc).
    int do_introduce(Request& r);
    int do_release(Request& r);
    int do_is_domain_introduced(Request& r);
    int do_get_domain_path(Request& r);
    int do_resume(Request& r);
    int do_set_target(Request& r);
    // CONTROL (daemon_control.cc).
    int do_control(Request& r);

    /// Canonical path from a request argument ("" if invalid).
    std::string path_arg(const Request& r, std::string_view arg, bool allow_special) const;
    Tree& tree(Request& r) { return r.tx != nullptr ? static_cast<Tree&>(*r.tx) : store_; }
    void send_error(Connection& conn, const xs::Header& h, int err);
    void drop_transactions(Connection& conn);

    Store store_;
    WatchTable watches_;
    Quota quota_;
    std::unordered_map<ConnId, std::shared_ptr<Connection>> conns_;
    std::map<DomId, Domain> domains_;
    std::map<std::string, Perms> special_;
    DomainConnector* connector_ = nullptr;
    ConnId next_conn_id_ = 1;
};

/// Parse a decimal number argument; nullopt if empty, non-numeric or out of range.
std::optional<std::uint64_t> parse_number(std::string_view s);

}  // namespace tessera::xenstored
