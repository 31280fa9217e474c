#include "xs/watch_poller.hpp"

#include <sys/epoll.h>
#include <unistd.h>

namespace tessera::xs {

WatchPoller::WatchPoller(const Client& client) {
    const int socket = client.native_handle();
    if (socket < 0) return;
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = socket;
    if (::epoll_ctl(fd, EPOLL_CTL_ADD, socket, &ev) != 0) {
        ::close(fd);
        return;
    }
    fd_ = fd;
}

WatchPoller::~WatchPoller() {
    if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<WatchEvent>> WatchPoller::take(Client& client) {
    if (auto r = client.pump(); !r) return std::unexpected(r.error());
    std::vector<WatchEvent> events;
    while (auto e = client.poll_watch()) events.push_back(std::move(*e));
    return events;
}

}  // namespace tessera::xs
