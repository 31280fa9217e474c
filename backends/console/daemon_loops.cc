// The event loops: guest notifications (/dev/xen/evtchn) and xenstore watch events. Both
// collect what is there before waiting, since the Asio epoll reactor is edge-triggered.
#include <unistd.h>

// clang-format off
#include <utility>  // first: Boost.Asio's awaitable.hpp uses std::exchange without it
// clang-format on
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "daemon.hpp"

namespace tessera::consoled {

xen::Result<void> Daemon::start() {
    if (started_) return {};
    std::error_code fs_error;
    std::filesystem::create_directories(options_.log_dir, fs_error);
    if (fs_error) {
        return xen::fail(fs_error.value(),
                         "cannot create " + options_.log_dir + ": " + fs_error.message());
    }
    const int event_fd = ::dup(devices_.events.fd());
    if (event_fd < 0) return xen::fail_errno("dup of the event channel descriptor");
    boost::system::error_code ec;
    event_fd_.assign(event_fd, ec);
    if (ec) return xen::fail(ec.value(), "event channel descriptor: " + ec.message());
    if (store_.native_handle() >= 0) {
        const int fd = ::dup(store_.native_handle());
        if (fd < 0) return xen::fail_errno("dup of the xenstore descriptor");
        store_fd_.assign(fd, ec);
        if (ec) return xen::fail(ec.value(), "xenstore descriptor: " + ec.message());
    }
    for (const auto& [path, token] :
         {std::pair{"@introduceDomain", "introduce"}, std::pair{"@releaseDomain", "release"}}) {
        if (auto w = store_.watch(path, token); !w) {
            return xen::fail(w.error().code,
                             std::string("watch ") + path + ": " + w.error().message);
        }
    }
    started_ = true;
    rescan();
    asio::co_spawn(io_, event_loop(alive_), asio::detached);
    if (store_fd_.is_open()) asio::co_spawn(io_, store_loop(alive_), asio::detached);
    return {};
}

void Daemon::stop() {
    if (stopped_) return;
    stopped_ = true;
    for (const domid_t id : domains()) remove(id);
    boost::system::error_code ec;
    event_fd_.cancel(ec);
    store_fd_.cancel(ec);
}

void Daemon::handle_fired(const std::vector<evtchn_port_t>& ports) {
    for (const evtchn_port_t port : ports) {
        std::shared_ptr<Console> console;
        if (const auto it = ports_.find(port); it != ports_.end())
            console = this->console(it->second);
        if (console && console->attached() && console->local_port() == port) {
            console->on_event();  // writes the port back itself, maybe later
        } else {
            (void)devices_.events.unmask(port);  // a port we have just closed
        }
    }
}

asio::awaitable<void> Daemon::event_loop(std::shared_ptr<bool> alive) {
    boost::system::error_code ec;
    while (*alive && !stopped_) {
        auto fired = devices_.events.pending();
        if (!fired) {
            fail("event channels: " + fired.error().message);
            co_return;
        }
        handle_fired(*fired);
        if (!fired->empty()) continue;
        co_await event_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive || stopped_) co_return;
        if (ec && ec != asio::error::operation_aborted) {
            fail("event channels: " + ec.message());
            co_return;
        }
    }
}

void Daemon::fail(const std::string& why) {
    say(why);
    if (options_.fatal) {
        options_.fatal(why);
    } else {
        io_.stop();
    }
}

bool Daemon::process_store() {
    while (!stopped_) {
        auto events = store_.take_events();
        if (!events) {
            fail("xenstore: " + events.error().message);
            return false;
        }
        if (events->empty()) return true;
        handle(*events);
    }
    return true;
}

// The loops run as long as the daemon lives: `alive` is cleared by its destructor, and a loop
// resumed after that (its wait was cancelled) returns without touching it.
asio::awaitable<void> Daemon::store_loop(std::shared_ptr<bool> alive) {
    boost::system::error_code ec;
    while (*alive && !stopped_) {
        if (!process_store()) co_return;
        co_await store_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive || stopped_) co_return;
        if (ec && ec != asio::error::operation_aborted) {
            fail("xenstore: " + ec.message());
            co_return;
        }
    }
}

}  // namespace tessera::consoled
