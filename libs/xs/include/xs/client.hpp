// C++ xenstore client: synchronous requests over a Transport (a Unix socket today,
// /dev/xen/xenbus later), std::expected results carrying Xen's errno values.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xs/wire.hpp"

namespace tessera::xs {

/// A failed call: an errno value (EACCES, ENOENT, EAGAIN... as xenstored reported it, or the
/// transport's) and a human-readable message.
struct Error {
    int code = 0;
    std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

/// A byte stream to xenstored.
class Transport {
public:
    virtual ~Transport() = default;
    virtual Result<void> write_all(std::span<const char> bytes) = 0;
    /// Read at least one byte; 0 means the daemon closed the connection.
    virtual Result<std::size_t> read_some(std::span<char> buffer) = 0;
    /// The descriptor to poll for readability (event loops), or -1 if there is none.
    virtual int native_handle() const { return -1; }
};

/// $XENSTORED_PATH if set, else /run/xenstored/socket (what libxenstore does).
std::string default_socket_path();
/// Connect to a daemon's Unix socket.
Result<std::unique_ptr<Transport>> connect_unix(const std::string& path);
/// Open the dom0 kernel's xenstore device (Linux xenbus_dev frontend).
Result<std::unique_ptr<Transport>> open_xenbus(const std::string& path = "/dev/xen/xenbus");

using TxId = std::uint32_t;
inline constexpr TxId kNoTransaction = 0;

struct WatchEvent {
    std::string path;
    std::string token;
};

/// One permission entry: a domain and 'n', 'r', 'w' or 'b'.
struct Permission {
    std::uint32_t domid = 0;
    char access = 'n';
    bool operator==(const Permission&) const = default;
};

class Client {
public:
    explicit Client(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {}
    /// Connect to the Unix socket at path.
    static Result<Client> open(const std::string& path = default_socket_path());

    Result<std::string> read(std::string_view path, TxId tx = kNoTransaction);
    Result<void> write(std::string_view path, std::string_view value, TxId tx = kNoTransaction);
    Result<void> mkdir(std::string_view path, TxId tx = kNoTransaction);
    Result<void> rm(std::string_view path, TxId tx = kNoTransaction);
    /// Child names; falls back to DIRECTORY_PART for listings larger than one message.
    Result<std::vector<std::string>> directory(std::string_view path, TxId tx = kNoTransaction);
    Result<std::vector<Permission>> get_perms(std::string_view path, TxId tx = kNoTransaction);
    Result<void> set_perms(std::string_view path, std::span<const Permission> perms,
                           TxId tx = kNoTransaction);

    Result<TxId> transaction_start();
    /// Commit (or abort); a conflicting commit fails with code EAGAIN.
    Result<void> transaction_end(TxId tx, bool commit);
    /// Run body(tx) in a transaction, retrying on EAGAIN up to max_attempts times.
    template <class Body>
    Result<void> transaction(Body&& body, int max_attempts = 16);

    Result<void> watch(std::string_view path, std::string_view token);
    Result<void> unwatch(std::string_view path, std::string_view token);
    Result<void> reset_watches();
    /// Next watch event, blocking until one arrives.
    Result<WatchEvent> wait_watch();
    /// A watch event already received, if any (never blocks).
    std::optional<WatchEvent> poll_watch();
    /// Next watch event, waiting at most `timeout` for one (nullopt when none came).
    Result<std::optional<WatchEvent>> wait_watch_for(std::chrono::milliseconds timeout);
    /// The transport's descriptor (-1 if it has none): poll it to learn that watch events may
    /// have arrived, then call wait_watch_for(0ms).
    int native_handle() const { return transport_->native_handle(); }
    /// For event loops: read whatever the transport has ready, without blocking, and queue the
    /// watch events it completes (then take them with poll_watch). A partial message stays
    /// buffered for the next call. EPIPE when xenstored closed the connection; a transport
    /// without a descriptor reads nothing.
    Result<void> pump();

    Result<std::string> get_domain_path(std::uint32_t domid);
    Result<void> introduce(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port);
    Result<void> release(std::uint32_t domid);
    Result<bool> is_domain_introduced(std::uint32_t domid);
    Result<void> resume(std::uint32_t domid);
    Result<void> set_target(std::uint32_t domid, std::uint32_t target);
    /// CONTROL with the given words; returns the reply text.
    Result<std::string> control(std::span<const std::string> args);

    /// Send one request and wait for its reply (watch events meanwhile are queued).
    Result<Message> request(std::uint32_t type, TxId tx, std::string_view payload);

private:
    Result<Message> receive();
    void keep_event(const Message& m);
    Result<void> expect_ok(std::uint32_t type, TxId tx, std::string_view payload);

    std::unique_ptr<Transport> transport_;
    StreamDecoder decoder_;
    std::string buffered_;
    std::deque<WatchEvent> events_;
    std::uint32_t next_req_id_ = 1;
};

template <class Body>
Result<void> Client::transaction(Body&& body, int max_attempts) {
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        auto tx = transaction_start();
        if (!tx) return std::unexpected(tx.error());
        if (auto r = body(*tx); !r) {
            (void)transaction_end(*tx, false);
            return r;
        }
        auto end = transaction_end(*tx, true);
        if (end || end.error().code != EAGAIN) return end;
    }
    return std::unexpected(Error{EAGAIN, "transaction kept conflicting"});
}

}  // namespace tessera::xs
