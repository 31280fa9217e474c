// Waiting for a Client's watch events in an event loop. The loop is given an epoll descriptor
// that watches the client's socket, never the socket itself: Boost.Asio makes the descriptors
// it waits on non-blocking, which would break the client's blocking requests. The epoll
// descriptor is level-triggered: readable for as long as the socket has bytes not yet read.
#pragma once

#include <vector>

#include "xs/client.hpp"

namespace tessera::xs {

class WatchPoller {
public:
    /// Watches `client`'s descriptor; native_handle() is -1 when it has none (a test transport).
    explicit WatchPoller(const Client& client);
    ~WatchPoller();
    WatchPoller(const WatchPoller&) = delete;
    WatchPoller& operator=(const WatchPoller&) = delete;

    int native_handle() const { return fd_; }
    /// The watch events `client` has received so far, without blocking (an error: xenstore is
    /// gone).
    static Result<std::vector<WatchEvent>> take(Client& client);

private:
    int fd_ = -1;
};

}  // namespace tessera::xs
