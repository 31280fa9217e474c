// libs/xs: waiting for watch events with a timeout over a real socket, and over a transport
// without a descriptor; libs/foreignmem: repopulating a fake guest frame.
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "foreignmem/fake_world.hpp"
#include "xs/client.hpp"

using namespace tessera;
using std::chrono::milliseconds;

namespace {

/// One end of a socketpair as a transport (the other end plays xenstored).
class SocketTransport final : public xs::Transport {
public:
    explicit SocketTransport(int fd) : fd_(fd) {}
    ~SocketTransport() override { ::close(fd_); }
    xs::Result<void> write_all(std::span<const char> b) override {
        return ::write(fd_, b.data(), b.size()) == static_cast<ssize_t>(b.size())
                   ? xs::Result<void>{}
                   : std::unexpected(xs::Error{errno, "write"});
    }
    xs::Result<std::size_t> read_some(std::span<char> b) override {
        const ssize_t n = ::read(fd_, b.data(), b.size());
        if (n < 0) return std::unexpected(xs::Error{errno, "read"});
        return static_cast<std::size_t>(n);
    }
    int native_handle() const override { return fd_; }

private:
    int fd_;
};

/// A transport with nothing to read and no descriptor.
class EmptyTransport final : public xs::Transport {
public:
    xs::Result<void> write_all(std::span<const char>) override { return {}; }
    xs::Result<std::size_t> read_some(std::span<char>) override {
        return std::unexpected(xs::Error{EWOULDBLOCK, "nothing"});
    }
};

std::string event(const std::string& path, const std::string& token) {
    std::string payload = path;
    payload.push_back('\0');
    payload += token;
    payload.push_back('\0');
    return xs::encode(XS_WATCH_EVENT, 0, 0, payload);
}

}  // namespace

TEST_CASE("wait_watch_for times out, then returns events as they come", "[xs]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    xs::Client client(std::make_unique<SocketTransport>(sv[0]));
    CHECK(client.native_handle() == sv[0]);
    const auto start = std::chrono::steady_clock::now();
    auto none = client.wait_watch_for(milliseconds(50));
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(40));

    const std::string two = event("@releaseDomain", "a") + event("/local/domain/3", "b");
    REQUIRE(::write(sv[1], two.data(), two.size()) == static_cast<ssize_t>(two.size()));
    auto first = client.wait_watch_for(milliseconds(1000));
    REQUIRE(first);
    REQUIRE(first->has_value());
    CHECK((*first)->path == "@releaseDomain");
    auto second = client.wait_watch_for(milliseconds(0));  // already read: no waiting
    REQUIRE(second.value().has_value());
    CHECK((*second)->token == "b");
    ::close(sv[1]);
    auto closed = client.wait_watch_for(milliseconds(1000));
    REQUIRE_FALSE(closed);
    CHECK(closed.error().code == EPIPE);
}

TEST_CASE("wait_watch_for on a transport without a descriptor does not block", "[xs]") {
    xs::Client client(std::make_unique<EmptyTransport>());
    CHECK(client.native_handle() == -1);
    auto r = client.wait_watch_for(milliseconds(1000));
    REQUIRE(r);
    CHECK_FALSE(r->has_value());
}

TEST_CASE("a fake guest frame can be populated again, zeroed", "[foreignmem]") {
    xen::FakeWorld world;
    xen::FakeDomain* guest = *world.add_domain(4, 0x40000, 4);
    std::memset(guest->page(0x40001).data(), 0x5a, 16);
    guest->unpopulate(0x40001);
    CHECK(guest->page(0x40001).empty());
    CHECK(guest->populate(0x40001));
    REQUIRE_FALSE(guest->page(0x40001).empty());
    CHECK(guest->page(0x40001)[0] == std::byte{0});
    CHECK_FALSE(guest->populate(0x40004));  // outside the domain's range
}
