// Transports over a file descriptor: a Unix socket, or the dom0 kernel's /dev/xen/xenbus
// (same message framing, one request at a time).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "xs/client.hpp"

namespace tessera::xs {

namespace {

Error os_error(const char* what) {
    const int e = errno;
    return Error{e, std::string(what) + ": " + std::strerror(e)};
}

class FdTransport final : public Transport {
public:
    FdTransport(int fd, bool socket) : fd_(fd), socket_(socket) {}
    ~FdTransport() override { ::close(fd_); }
    FdTransport(const FdTransport&) = delete;
    FdTransport& operator=(const FdTransport&) = delete;

    Result<void> write_all(std::span<const char> bytes) override {
        while (!bytes.empty()) {
            const auto n = socket_ ? ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL)
                                   : ::write(fd_, bytes.data(), bytes.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return std::unexpected(os_error("write"));
            }
            bytes = bytes.subspan(static_cast<std::size_t>(n));
        }
        return {};
    }

    Result<std::size_t> read_some(std::span<char> buffer) override {
        for (;;) {
            const auto n = ::read(fd_, buffer.data(), buffer.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) return std::unexpected(os_error("read"));
        }
    }

    int native_handle() const override { return fd_; }

private:
    int fd_;
    bool socket_;
};

}  // namespace

std::string default_socket_path() {
    if (const char* env = std::getenv("XENSTORED_PATH"); env != nullptr && *env != '\0') return env;
    return "/run/xenstored/socket";
}

Result<std::unique_ptr<Transport>> connect_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        return std::unexpected(Error{ENAMETOOLONG, "socket path too long: " + path});
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::unexpected(os_error("socket"));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        auto err = os_error(path.c_str());
        ::close(fd);
        return std::unexpected(err);
    }
    return std::make_unique<FdTransport>(fd, true);
}

Result<std::unique_ptr<Transport>> open_xenbus(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::unexpected(os_error(path.c_str()));
    return std::make_unique<FdTransport>(fd, false);
}

}  // namespace tessera::xs
