// One client of the daemon (a Unix socket client or a domain's ring), as the request handlers
// see it: identity, open transactions and a bounded output queue. Transports (unix_server.hpp,
// domain_rings.hpp) own the I/O and are woken through the output callback.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "perms.hpp"
#include "transaction.hpp"

namespace tessera::xenstored {

using ConnId = std::uint64_t;

class Connection {
public:
    enum class Kind { kSocket, kDomain };

    Connection(ConnId id, Kind kind, DomId domid) : id_(id), kind_(kind), domid_(domid) {}

    ConnId id() const { return id_; }
    Kind kind() const { return kind_; }
    DomId domid() const { return domid_; }
    bool privileged() const { return domid_ == 0; }
    std::optional<DomId>& target() { return target_; }
    Requester requester() const { return Requester{domid_, privileged(), target_}; }

    /// Queue an encoded message. Past the byte limit a socket client is closed (it stalls
    /// nobody but itself) and a domain's watch event is dropped; returns false when not queued.
    bool queue(std::string message, bool is_event);
    /// Pending output, front first; the transport pops what it has written.
    std::deque<std::string>& output() { return out_; }
    std::size_t queued_bytes() const { return out_bytes_; }
    /// Called by the transport after it wrote the whole front message.
    void pop_front();
    /// Bytes of the front message already written by the transport (ring writes are partial).
    std::size_t& front_offset() { return front_offset_; }

    /// Called whenever output is queued (wakes the writer) or room appears (wakes the reader).
    std::function<void()> on_output;
    std::function<void()> on_room;

    bool closing() const { return closing_; }
    void close() { closing_ = true; }

    std::map<std::uint32_t, std::unique_ptr<Transaction>>& transactions() { return tx_; }
    std::uint32_t next_tx_id();

    /// Replies not yet written out (outstanding-requests quota).
    std::size_t pending_replies() const { return pending_replies_; }

    static constexpr std::size_t kMaxQueuedBytes = 4u << 20;

private:
    ConnId id_;
    Kind kind_;
    DomId domid_;
    std::optional<DomId> target_;
    std::deque<std::string> out_;
    std::deque<bool> out_is_event_;
    std::size_t out_bytes_ = 0;
    std::size_t front_offset_ = 0;
    std::size_t pending_replies_ = 0;
    bool closing_ = false;
    std::map<std::uint32_t, std::unique_ptr<Transaction>> tx_;
    std::uint32_t last_tx_id_ = 0;
};

}  // namespace tessera::xenstored
