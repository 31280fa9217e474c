// The console client against a real pty (standing in for the backend's) and xenstored's core.
#include "toolstack/console.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "fake_xenstore.h"

using namespace tessera::toolstack;
using std::chrono::milliseconds;

namespace {

/// A pty pair: the master is the console backend's side, the slave path goes in xenstore.
struct Pty {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    std::string slave;
    Pty() {
        REQUIRE(master >= 0);
        REQUIRE(::grantpt(master) == 0);
        REQUIRE(::unlockpt(master) == 0);
        slave = ::ptsname(master);
    }
    ~Pty() { ::close(master); }
};

struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { REQUIRE(::pipe(fds) == 0); }
    ~Pipe() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int r() const { return fds[0]; }
    int w() const { return fds[1]; }
};

/// Reads until `want` bytes came or `ms` passed (a pty hands bytes over asynchronously).
std::string read_bytes(int fd, size_t want, int ms = 2000) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(ms);
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buf[256];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

}  // namespace

TEST_CASE("console: tty paths for each console type") {
    CHECK(console_tty_path(3, ConsoleType::kPv, 0) == "/local/domain/3/console/tty");
    CHECK(console_tty_path(3, ConsoleType::kPv, 2) == "/local/domain/3/device/console/2/tty");
    CHECK(console_tty_path(3, ConsoleType::kSerial, 0) == "/local/domain/3/serial/0/tty");
    CHECK(console_tty_path(3, ConsoleType::kVuart, 0) == "/local/domain/3/vuart/0/tty");
}

TEST_CASE("console: no pty published in time is a clear error") {
    tessera::test::FakeXenstore xs;
    REQUIRE(xs.client.write("/local/domain/3/console/tty", ""));
    ConsoleClient client(xs.client, "/local/domain/3/console/tty");
    auto r = client.connect(milliseconds(30));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message ==
          "could not read a console tty from /local/domain/3/console/tty (is the console "
          "backend running?)");
}

TEST_CASE("console: bytes flow both ways; Ctrl-] detaches") {
    tessera::test::FakeXenstore xs;
    Pty pty;
    REQUIRE(xs.client.write("/local/domain/3/console/tty", pty.slave));
    ConsoleClient client(xs.client, "/local/domain/3/console/tty");
    REQUIRE(client.connect(milliseconds(100)));
    Pipe in, out;
    // The guest prints and the user types (queued before the relay starts); once the prompt has
    // reached the terminal, the user types on, then Ctrl-].
    REQUIRE(::write(pty.master, "login: ", 7) == 7);
    REQUIRE(::write(in.w(), "root\r", 5) == 5);
    const char detach[] = {'x', kConsoleEscape, 'y'};
    std::string seen;
    bool typed = false;
    std::thread user([&] {  // no Catch2 assertions off the main thread
        seen = read_bytes(out.r(), 7);
        typed = ::write(in.w(), detach, sizeof detach) == 3;
    });
    auto end = client.run(in.r(), out.w());
    user.join();
    REQUIRE(end.has_value());
    CHECK(*end == ConsoleEnd::kDetached);
    CHECK(typed);
    CHECK(seen == "login: ");
    CHECK(read_bytes(pty.master, 6) == "root\rx");
    CHECK(read_bytes(pty.master, 1, 200).empty());  // what followed Ctrl-] was not sent
}

TEST_CASE("console: the session ends when the console's node goes away") {
    tessera::test::FakeXenstore xs;
    Pty pty;
    REQUIRE(xs.client.write("/local/domain/3/console/tty", pty.slave));
    auto other = xs.connect();  // the toolstack destroying the domain
    ConsoleClient client(xs.client, "/local/domain/3/console/tty");
    REQUIRE(client.connect(milliseconds(100)));
    REQUIRE(other.rm("/local/domain/3"));
    Pipe in, out;
    auto end = client.run(in.r(), out.w());
    REQUIRE(end.has_value());
    CHECK(*end == ConsoleEnd::kClosed);
}

TEST_CASE("console: a stop request (signal) ends the session") {
    tessera::test::FakeXenstore xs;
    Pty pty;
    REQUIRE(xs.client.write("/local/domain/3/console/tty", pty.slave));
    ConsoleClient client(xs.client, "/local/domain/3/console/tty");
    REQUIRE(client.connect(milliseconds(100)));
    Pipe in, out;
    std::atomic<bool> stop{true};
    CHECK(client.run(in.r(), out.w(), &stop).value() == ConsoleEnd::kStopped);
}

TEST_CASE("console: raw mode is restored") {
    Pty pty;
    const int fd = ::open(pty.slave.c_str(), O_RDWR | O_NOCTTY);
    REQUIRE(fd >= 0);
    termios before{};
    REQUIRE(::tcgetattr(fd, &before) == 0);
    REQUIRE((before.c_lflag & ICANON) != 0);
    {
        RawTerminal raw(fd);
        CHECK(raw.active());
        termios now{};
        REQUIRE(::tcgetattr(fd, &now) == 0);
        CHECK((now.c_lflag & (ICANON | ECHO | ISIG)) == 0);
    }
    termios after{};
    REQUIRE(::tcgetattr(fd, &after) == 0);
    CHECK(after.c_lflag == before.c_lflag);
    CHECK(after.c_iflag == before.c_iflag);
    ::close(fd);
    Pipe pipe;
    RawTerminal not_a_tty(pipe.r());
    CHECK_FALSE(not_a_tty.active());
}
