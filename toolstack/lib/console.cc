// The console client: xenstore tty lookup, raw terminal, byte relay with an escape key.
#include "toolstack/console.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace tessera::toolstack {
namespace {

constexpr const char* kWatchToken = "tessera-xl-console";

/// write() everything, retrying on EINTR; false on any other failure.
bool write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

std::string console_tty_path(DomId dom, ConsoleType type, unsigned num) {
    const std::string base = "/local/domain/" + std::to_string(dom);
    switch (type) {
        case ConsoleType::kSerial:
            return base + "/serial/" + std::to_string(num) + "/tty";
        case ConsoleType::kVuart:
            return base + "/vuart/0/tty";
        case ConsoleType::kPv:
            break;
    }
    if (num == 0) return base + "/console/tty";
    return base + "/device/console/" + std::to_string(num) + "/tty";
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

void RawTerminal::restore() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    active_ = false;
}

ConsoleClient::~ConsoleClient() {
    if (watching_) (void)xs_.unwatch(path_, kWatchToken);
}

void ConsoleClient::close_pty() {
    pty_ = xen::UniqueFd();
    pty_path_.clear();
}

bool ConsoleClient::refresh() {
    auto value = xs_.read(path_);
    if (!value || value->empty()) {
        close_pty();
        return false;
    }
    if (*value == pty_path_ && pty_.valid()) return true;
    xen::UniqueFd fd(::open(value->c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid()) {
        close_pty();
        return false;
    }
    // The pty carries the guest's bytes unchanged, as xenconsole sets it.
    termios t{};
    if (::tcgetattr(fd.get(), &t) == 0) {
        ::cfmakeraw(&t);
        ::tcsetattr(fd.get(), TCSANOW, &t);
    }
    pty_ = std::move(fd);
    pty_path_ = *value;
    return true;
}

Result<void> ConsoleClient::connect(std::chrono::milliseconds timeout) {
    if (!watching_) {
        if (auto w = xs_.watch(path_, kWatchToken); !w) {
            return fail("cannot watch " + path_ + ": " + w.error().message);
        }
        watching_ = true;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (refresh()) return {};
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        auto event = xs_.wait_watch_for(std::min(left, std::chrono::milliseconds(500)));
        if (!event) return fail("xenstore: " + event.error().message);
        if (!*event && xs_.native_handle() < 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    return fail("could not read a console tty from " + path_ +
                " (is the console backend running?)");
}

Result<ConsoleEnd> ConsoleClient::run(int in, int out, const std::atomic<bool>* stop) {
    char buf[4096];
    for (;;) {
        if (stop && stop->load()) return ConsoleEnd::kStopped;
        // Watch events already read: the tty node changed (new pty, or gone).
        bool changed = false;
        while (auto e = xs_.wait_watch_for(std::chrono::milliseconds(0))) {
            if (!*e) break;
            changed = true;
        }
        if (changed && !refresh()) return ConsoleEnd::kClosed;

        pollfd fds[3];
        nfds_t n = 0;
        const int xs_fd = xs_.native_handle();
        fds[n++] = {in, POLLIN, 0};
        const nfds_t pty_slot = n;
        if (pty_.valid()) fds[n++] = {pty_.get(), POLLIN, 0};
        if (xs_fd >= 0) fds[n++] = {xs_fd, POLLIN, 0};
        // Without a xenstore descriptor, look at xenstore every 100 ms.
        const int ready = ::poll(fds, n, xs_fd >= 0 ? 1000 : 100);
        if (ready < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(Error{std::string("poll: ") + std::strerror(errno)});
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t got = ::read(in, buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got <= 0) return ConsoleEnd::kClosed;
            const auto* esc = static_cast<const char*>(std::memchr(buf, kConsoleEscape, got));
            const size_t keep = esc ? static_cast<size_t>(esc - buf) : static_cast<size_t>(got);
            if (pty_.valid() && keep > 0 && !write_all(pty_.get(), buf, keep)) close_pty();
            if (esc) return ConsoleEnd::kDetached;
        }
        if (pty_slot < n && fds[pty_slot].fd == pty_.get() &&
            (fds[pty_slot].revents & (POLLIN | POLLHUP | POLLERR))) {
            const ssize_t got = ::read(pty_.get(), buf, sizeof buf);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got <= 0) {
                // The backend closed its side: wait for xenstore to say what comes next.
                close_pty();
                continue;
            }
            if (!write_all(out, buf, static_cast<size_t>(got))) {
                return std::unexpected(Error{std::string("write: ") + std::strerror(errno)});
            }
        }
    }
}

}  // namespace tessera::toolstack
