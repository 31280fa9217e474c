#include "console_store.hpp"

#include <sys/epoll.h>

namespace tessera::consoled {

XsConsoleStore::XsConsoleStore(xs::Client client) : client_(std::move(client)) {
    // Level-triggered: readable for as long as the socket has bytes we have not read.
    const int socket = client_.native_handle();
    if (socket < 0) return;
    xen::UniqueFd poller(::epoll_create1(EPOLL_CLOEXEC));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = socket;
    if (poller.valid() && ::epoll_ctl(poller.get(), EPOLL_CTL_ADD, socket, &ev) == 0) {
        poller_ = std::move(poller);
    }
}

xs::Result<std::vector<xs::WatchEvent>> XsConsoleStore::take_events() {
    if (auto r = client_.pump(); !r) return std::unexpected(r.error());
    std::vector<xs::WatchEvent> events;
    while (auto e = client_.poll_watch()) events.push_back(std::move(*e));
    return events;
}

}  // namespace tessera::consoled
