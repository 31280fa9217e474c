// Server side of a xenstore ring page (struct xenstore_domain_interface, xs_wire.h): requests
// are copied out of req[] exactly once into private memory before any parsing; replies and
// watch events go into rsp[]. Indices written by the guest are validated on every access.
// Pure logic over a memory page: unit-tested against an in-memory page on the host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connection.hpp"
#include "xs/wire.hpp"

namespace tessera::xenstored {

class Ring {
public:
    enum class Status { kOk, kBadIndex, kBadMessage };

    /// Serve this page; advertises reconnection and error-field support to the guest.
    explicit Ring(xenstore_domain_interface& page);

    /// Copy requests out of the ring; complete messages are appended to out, at most max of
    /// them. A partial message stays in the private decoder until more bytes arrive.
    Status read_requests(std::vector<xs::Message>& out, std::size_t max);
    /// Move as much queued output as fits into the response ring (partial messages allowed);
    /// written receives the byte count.
    Status write_output(Connection& conn, std::size_t& written);
    /// True if the guest asked for a reconnect (connection == XENSTORE_RECONNECT).
    bool reconnect_requested() const;
    /// Reset indices and acknowledge a reconnect; drops any partial request.
    void reset();
    /// Record a fatal ring error in the page's error field (the guest must reconnect).
    void set_error(std::uint32_t error);
    bool failed() const { return failed_; }
    /// Request bytes taken out of the ring by the last read_requests (the guest may be
    /// waiting for that space: notify it when non-zero).
    std::size_t consumed() const { return consumed_; }

    /// Bytes of a partially received request (persisted across restarts).
    std::string partial_input() const { return decoder_.partial(); }
    /// Feed back bytes saved by partial_input().
    void restore_partial_input(const std::string& bytes);

private:
    xenstore_domain_interface& page_;
    xs::StreamDecoder decoder_;
    bool failed_ = false;
    std::size_t consumed_ = 0;
};

}  // namespace tessera::xenstored
