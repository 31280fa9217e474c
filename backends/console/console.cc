#include "console.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "ring/byte_ring.hpp"

namespace tessera::consoled {

namespace {
constexpr std::size_t kOutRing = sizeof(xencons_interface::out);
constexpr std::size_t kInRing = sizeof(xencons_interface::in);
constexpr auto kNever = asio::steady_timer::time_point::max();
}  // namespace

Console::Console(asio::io_context& io, domid_t domid, xen::EventChannels& events, Pty pty,
                 LogFile log, const Limits& limits, Log say)
    : io_(io),
      domid_(domid),
      events_(events),
      pty_(std::move(pty)),
      log_(std::move(log)),
      limits_(limits),
      say_(std::move(say)),
      master_(io),
      input_room_(io, kNever),
      backlog_ready_(io, kNever),
      unmask_later_(io) {
    if (const int fd = ::dup(pty_.master()); fd >= 0) {
        boost::system::error_code ec;
        master_.assign(fd, ec);
        if (ec) ::close(fd);
    }
}

Console::~Console() {
    stop();
}

void Console::start() {
    if (!master_.is_open()) {
        say_("domain " + std::to_string(domid_) + ": pty not served (dup failed)");
        return;
    }
    auto self = shared_from_this();
    asio::co_spawn(
        io_, [self] { return self->read_pty(); }, asio::detached);
    asio::co_spawn(
        io_, [self] { return self->write_pty(); }, asio::detached);
}

void Console::stop() {
    if (stopped_) return;
    stopped_ = true;
    detach();
    boost::system::error_code ec;
    master_.cancel(ec);
    input_room_.cancel();
    backlog_ready_.cancel();
}

void Console::attach(RingPage page, evtchn_port_t local_port, const RingKey& key) {
    detach();
    ring_ = std::move(page);
    port_ = local_port;
    key_ = key;
    said_bad_output_ = said_bad_input_ = false;
    window_events_ = 0;
    turn();  // what the guest wrote before we were there
    (void)events_.notify(port_);
}

void Console::detach() {
    unmask_later_.cancel();
    if (port_ != 0) (void)events_.unbind(port_);
    port_ = 0;
    ring_ = RingPage{};
    key_ = RingKey{};
}

void Console::note(bool& said, const std::string& message) {
    if (said) return;
    said = true;
    say_("domain " + std::to_string(domid_) + ": " + message);
}

void Console::on_event() {
    ++counters_.events;
    turn();
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= limits_.window) {
        window_start_ = now;
        window_events_ = 0;
    }
    if (++window_events_ <= limits_.events_per_window) {
        unmask();
        return;
    }
    // Too many notifications: the port stays masked (no more of them) until the window ends.
    ++counters_.throttled;
    unmask_later_.expires_at(window_start_ + limits_.window);
    unmask_later_.async_wait(
        [weak = weak_from_this(), port = port_](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || self->stopped_ || self->port_ != port) return;
            self->window_start_ = std::chrono::steady_clock::now();
            self->window_events_ = 0;
            self->turn();  // whatever arrived while masked
            self->unmask();
        });
}

void Console::unmask() {
    if (attached()) (void)events_.unmask(port_);
}

void Console::turn() {
    const auto taken = drain_output();
    push_input();
    // A full budget means more may be waiting: come back after the other work queued now.
    if (taken && *taken >= limits_.drain_budget && !turn_posted_) {
        turn_posted_ = true;
        asio::post(io_, [weak = weak_from_this()] {
            auto self = weak.lock();
            if (!self) return;
            self->turn_posted_ = false;
            if (!self->stopped_) self->turn();
        });
    }
}

xen::Result<std::size_t> Console::drain_output() {
    if (!attached()) return 0;
    xen::ring::ConsoleBackend ring(*ring_.page);
    std::size_t total = 0;
    char buf[kOutRing];
    while (total < limits_.drain_budget) {
        const std::size_t want = std::min(sizeof buf, limits_.drain_budget - total);
        const auto n = ring.output.read(std::span<char>(buf, want));
        if (!n) {
            // Impossible indices: leave the ring alone until the guest notifies again.
            ++counters_.bad_ring;
            note(said_bad_output_, "output ring: " + n.error().message);
            if (total > 0) (void)events_.notify(port_);
            return std::unexpected(n.error());
        }
        if (*n == 0) break;
        total += *n;
        counters_.output += *n;
        log_.write(std::span<const char>(buf, *n));
        to_pty(buf, *n);
    }
    if (!log_.last_error().empty()) {
        note(said_log_error_, log_.last_error() + " (output dropped from the log)");
    }
    if (total > 0) (void)events_.notify(port_);  // the guest may be waiting for room
    return total;
}

void Console::push_input() {
    if (!attached() || input_.empty()) return;
    xen::ring::ConsoleBackend ring(*ring_.page);
    const auto n = ring.input.write(input_);
    if (!n) {
        ++counters_.bad_ring;
        note(said_bad_input_, "input ring: " + n.error().message + " (input dropped)");
        input_.clear();
        input_room_.cancel();
        return;
    }
    if (*n == 0) return;
    input_.erase(0, *n);
    counters_.input += *n;
    (void)events_.notify(port_);
    input_room_.cancel();  // the pty reader may take more
}

void Console::to_pty(const char* data, std::size_t size) {
    if (backlog_.empty()) {
        const auto n = ::write(pty_.master(), data, size);
        if (n > 0) {
            counters_.to_pty += static_cast<std::size_t>(n);
            data += n;
            size -= static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            counters_.pty_dropped += size;
            return;
        }
    }
    if (size == 0) return;
    const std::size_t room = limits_.pty_backlog - std::min(backlog_.size(), limits_.pty_backlog);
    const std::size_t keep = std::min(room, size);
    backlog_.append(data, keep);
    counters_.pty_dropped += size - keep;
    if (keep > 0) backlog_ready_.cancel();
}

void Console::flush_backlog() {
    while (!backlog_.empty()) {
        const auto n = ::write(pty_.master(), backlog_.data(), backlog_.size());
        if (n > 0) {
            counters_.to_pty += static_cast<std::size_t>(n);
            backlog_.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            counters_.pty_dropped += backlog_.size();
            backlog_.clear();
        }
    }
}

// Both pty coroutines try the descriptor first and wait only when it would block: Asio's epoll
// reactor is edge-triggered, so readiness that came while nobody waited would not be seen again.
asio::awaitable<void> Console::write_pty() {
    auto self = shared_from_this();
    boost::system::error_code ec;
    bool waited = false;
    while (!stopped_) {
        if (backlog_.empty()) {
            backlog_ready_.expires_at(kNever);
            co_await backlog_ready_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        const std::size_t before = backlog_.size();
        flush_backlog();
        if (backlog_.size() < before) {
            waited = false;
            continue;
        }
        if (waited) {  // said writable, took nothing: do not spin, look again a little later
            waited = false;
            backlog_ready_.expires_after(std::chrono::milliseconds(50));
            co_await backlog_ready_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        co_await master_.async_wait(asio::posix::stream_descriptor::wait_write,
                                    asio::redirect_error(asio::use_awaitable, ec));
        if (ec && ec != asio::error::operation_aborted) break;
        waited = !ec;
    }
}

asio::awaitable<void> Console::read_pty() {
    auto self = shared_from_this();
    boost::system::error_code ec;
    char buf[kInRing];
    while (!stopped_) {
        if (input_.size() >= kInRing) {  // the guest is not taking input: stop reading the pty
            input_room_.expires_at(kNever);
            co_await input_room_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            push_input();
            continue;
        }
        const auto n = ::read(pty_.master(), buf, kInRing - input_.size());
        if (n > 0) {
            input_.append(buf, static_cast<std::size_t>(n));
            push_input();
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            co_await master_.async_wait(asio::posix::stream_descriptor::wait_read,
                                        asio::redirect_error(asio::use_awaitable, ec));
            if (ec && ec != asio::error::operation_aborted) break;
        } else {
            // Only when no slave is open, which we prevent by holding one: give up on input.
            if (!stopped_) say_("domain " + std::to_string(domid_) + ": pty input ended");
            break;
        }
    }
}

}  // namespace tessera::consoled
