// Xenstore wire protocol helpers shared by the daemon and the client library.
// The protocol definition is Xen's own header (xen/io/xs_wire.h from libxen-dev); this file only
// wraps it in C++ types. It deliberately avoids std::expected so that it also builds with clang 14
// for the libFuzzer target.
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <xen/io/xs_wire.h>
}

namespace tessera::xs {

/// Size of the fixed message header (struct xsd_sockmsg, xs_wire.h).
inline constexpr std::size_t kHeaderSize = sizeof(xsd_sockmsg);
/// Largest payload either side may send (XENSTORE_PAYLOAD_MAX, xs_wire.h).
inline constexpr std::size_t kPayloadMax = XENSTORE_PAYLOAD_MAX;
/// Grant reference through which a guest shares its xenstore ring (GNTTAB_RESERVED_XENSTORE).
inline constexpr std::uint32_t kXenstoreGrantRef = 1;

/// A message type as carried in xsd_sockmsg::type.
using MsgType = xsd_sockmsg_type;

/// Decoded message header (host byte order; Xen uses native little-endian on Arm).
struct Header {
    std::uint32_t type = XS_INVALID;
    std::uint32_t req_id = 0;
    std::uint32_t tx_id = 0;
    std::uint32_t len = 0;
};

/// A whole message: header plus payload (payload.size() == header.len).
struct Message {
    Header header;
    std::string payload;
};

/// Decode a header from exactly kHeaderSize bytes.
Header decode_header(std::span<const char, kHeaderSize> bytes);
/// Append an encoded message (header followed by payload) to out.
void encode(std::string& out, std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
            std::string_view payload);
/// Encode a message into a fresh buffer.
std::string encode(std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
                   std::string_view payload);

/// Printable name of a message type ("READ", "WATCH_EVENT", ...), "UNKNOWN" otherwise.
std::string_view type_name(std::uint32_t type);

/// Xen's error name for an errno value (xsd_errors); EINVAL for values Xen cannot carry.
std::string_view error_name(int err);
/// errno value for a Xen error name; nullopt if the name is not in xsd_errors.
std::optional<int> error_from_name(std::string_view name);

/// Split a payload into its NUL-terminated strings. Bytes after the last NUL are returned in
/// *tail when tail is non-null (they are "missing NUL" garbage for most requests).
std::vector<std::string_view> split_strings(std::string_view payload,
                                            std::string_view* tail = nullptr);

/// Join strings, each followed by a NUL, as the daemon's list replies are encoded.
std::string join_strings(std::span<const std::string> items);

/// Incremental decoder for a byte stream (Unix socket) of messages.
class StreamDecoder {
public:
    enum class Status { kNeedMore, kMessage, kTooLong };

    /// Feed bytes; returns how many were consumed (stops after a complete message).
    std::size_t feed(std::span<const char> bytes);
    /// State after the last feed.
    Status status() const { return status_; }
    /// Bytes still needed to finish the header or the payload in progress.
    std::size_t wanted() const;
    /// Bytes of the message in progress (persisted across a daemon restart).
    std::string partial() const;
    /// Take the completed message (valid when status() == kMessage) and reset.
    Message take();

private:
    char header_bytes_[kHeaderSize] = {};
    std::size_t header_used_ = 0;
    Message current_;
    Status status_ = Status::kNeedMore;
};

}  // namespace tessera::xs
