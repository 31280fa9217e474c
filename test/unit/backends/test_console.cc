// One console against a fake guest: output to the log and the pty across wrap-around, input
// from the pty, hostile ring indices, notification storms, a guest flooding with nobody on the
// pty, and the bounded log file.
#include <boost/asio/io_context.hpp>
#include <thread>

#include "console.hpp"
#include "daemon.hpp"
#include "fakes.hpp"

using namespace tessera::consoled;
using namespace tessera::consoled::test;

namespace {

struct Rig {
    explicit Rig(Limits limits = {}, bool setup_indices_first = false, XENCONS_RING_IDX start = 0) {
        if (setup_indices_first) {
            guest.page().out_cons = guest.page().out_prod = start;
            guest.page().in_cons = guest.page().in_prod = start;
        }
        auto pty = Pty::open();
        REQUIRE(pty);
        auto log = LogFile::open(dir.file("guest.log"), limits.log_max_bytes);
        REQUIRE(log);
        console = std::make_shared<Console>(io, guest.domid, world.events, std::move(*pty),
                                            std::move(*log), limits,
                                            [this](const std::string& s) { said.push_back(s); });
        console->start();
        RingPage ring;
        const grant_ref_t ref = GNTTAB_RESERVED_CONSOLE;
        auto g = world.grants.map(guest.domid, std::span(&ref, 1), true);
        REQUIRE(g);
        ring.grant = std::move(*g);
        ring.page = reinterpret_cast<xencons_interface*>(ring.grant.data());
        ring.how = "grant";
        local = world.events.bind_interdomain(guest.domid, guest.port).value();
        console->attach(std::move(ring), local, RingKey{Guest::kConsoleGfn, guest.port});
    }
    ~Rig() {
        console->stop();
        io.restart();
        io.poll();
    }

    /// What the daemon's event loop does: hand fired ports to the console, run the loop.
    void dispatch() {
        const auto fired = world.events.pending().value();
        for (const auto port : fired) {
            if (port == local) console->on_event();
        }
        io.restart();
        io.poll();
    }
    std::string log() const { return slurp(dir.file("guest.log")); }
    /// Open the pty as `xl console` would.
    int open_user() const {
        const int fd = ::open(console->tty().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(fd >= 0);
        return fd;
    }

    boost::asio::io_context io;
    World world;
    Guest guest{world, 5};
    TempDir dir;
    std::vector<std::string> said;
    std::shared_ptr<Console> console;
    evtchn_port_t local = 0;
};

std::string text(std::size_t n, unsigned seed) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s.push_back((i + seed) % 61 == 60 ? '\n' : static_cast<char>('!' + (i * 7 + seed) % 90));
    }
    return s;
}

}  // namespace

TEST_CASE("guest output reaches the log and the pty across ring and index wrap-around",
          "[console]") {
    // Free-running indices about to wrap at 2^32, so both the ring and the counters wrap.
    Rig rig({}, true, 0xFFFFF000u);
    const int user = rig.open_user();
    std::string sent, seen;
    for (unsigned i = 0; sent.size() < 20000; ++i) {
        const std::string chunk = text(700 + i % 500, i);
        for (std::size_t off = 0; off < chunk.size();) {
            off += rig.guest.print(std::string_view(chunk).substr(off));
            rig.dispatch();
            seen += drain_fd(user);
        }
        sent += chunk;
    }
    REQUIRE(pump(rig.io, [&] { return (seen += drain_fd(user)).size() >= sent.size(); }));
    CHECK(seen == sent);
    CHECK(rig.log() == sent);
    const auto& page = rig.guest.page();
    CHECK(page.out_cons == page.out_prod);
    CHECK(page.out_prod < 0xFFFFF000u);  // wrapped
    CHECK(rig.console->counters().output == sent.size());
    CHECK(rig.console->counters().pty_dropped == 0);
    CHECK(rig.guest.notified() > 0);  // told it there is room
    CHECK(rig.said.empty());
    ::close(user);
}

TEST_CASE("pty input reaches the guest's input ring as the guest makes room", "[console]") {
    Rig rig({}, true, 0x7FFFFF00u);
    const int user = rig.open_user();
    const std::string typed = text(3000, 3);
    REQUIRE(::write(user, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
    std::string got;
    REQUIRE(pump(rig.io, [&] {
        rig.dispatch();
        got += rig.guest.take_input();  // 1 KiB ring: the rest waits in dom0, then the pty
        return got.size() >= typed.size();
    }));
    CHECK(got == typed);
    CHECK(rig.console->counters().input == typed.size());
    CHECK(rig.console->input_waiting() == 0);
    ::close(user);
}

TEST_CASE("hostile ring indices are refused, never read out of bounds, never spun on",
          "[console]") {
    Rig rig;
    auto& page = rig.guest.page();
    const std::uint32_t bad_prods[] = {page.out_cons + 4096, page.out_cons - 1, 0x80000000u};
    for (const auto prod : bad_prods) {
        page.out_prod = prod;
        rig.guest.kick();
        rig.dispatch();
    }
    CHECK(rig.console->counters().bad_ring == 3);
    CHECK(rig.console->counters().output == 0);
    CHECK(rig.log().empty());
    REQUIRE(rig.said.size() == 1);  // said once, not once per notification
    CHECK(rig.said[0].find("output ring") != std::string::npos);
    // Nothing left running on the guest's account.
    rig.io.restart();
    CHECK(rig.io.poll() == 0);
    CHECK(rig.world.hub.port(0, rig.local)->masked == false);  // still listening

    // A consumer index a ring ahead of what we produced: our input is dropped, not written.
    page.in_cons = page.in_prod + 3000;
    const int user = rig.open_user();
    REQUIRE(::write(user, "abc", 3) == 3);
    REQUIRE(pump(rig.io, [&] { return rig.console->counters().bad_ring == 4; }));
    CHECK(rig.console->input_waiting() == 0);
    CHECK(page.in_prod == 0);

    // The guest fixes its indices: service resumes.
    page.out_prod = page.out_cons;
    page.in_cons = page.in_prod;
    rig.guest.print("fine\n");
    rig.dispatch();
    CHECK(rig.log() == "fine\n");
    ::close(user);
}

TEST_CASE("a notification storm is throttled: the port is written back when the window ends",
          "[console]") {
    Limits limits;
    limits.events_per_window = 3;
    limits.window = std::chrono::milliseconds(100);
    Rig rig(limits);
    for (int i = 0; i < 10; ++i) {
        rig.guest.kick();
        rig.dispatch();
    }
    CHECK(rig.console->counters().events == 4);  // the fourth left the port masked
    CHECK(rig.console->counters().throttled == 1);
    CHECK(rig.world.hub.port(0, rig.local)->masked);
    rig.guest.print("late\n");  // written while masked
    rig.dispatch();
    CHECK(rig.log().empty());
    // After the window the port is written back; what came meanwhile is served.
    REQUIRE(pump(rig.io, [&] {
        rig.dispatch();
        return rig.log() == "late\n";
    }));
    CHECK_FALSE(rig.world.hub.port(0, rig.local)->masked);
}

TEST_CASE("a guest flooding output with nobody on the pty is drained; pty output is dropped",
          "[console]") {
    Limits limits;
    limits.log_max_bytes = 64 * 1024;
    limits.pty_backlog = 16 * 1024;
    Rig rig(limits);
    const std::string data = text(1 << 20, 11);
    std::size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sent < data.size() && std::chrono::steady_clock::now() < deadline) {
        const auto n = rig.guest.print(std::string_view(data).substr(sent));
        sent += n;
        rig.dispatch();
        // A full ring: the guest notified too often and waits for its window (throttling).
        if (n == 0) rig.io.run_for(std::chrono::milliseconds(1));
    }
    REQUIRE(sent == data.size());
    const auto& c = rig.console->counters();
    CHECK(c.output == data.size());
    CHECK(c.pty_dropped > 0);
    CHECK(c.to_pty + c.pty_dropped + rig.console->backlog() == data.size());
    CHECK(rig.console->backlog() <= limits.pty_backlog);
    // The log is bounded and holds the newest output.
    const std::string log = rig.log();
    CHECK(log.size() <= limits.log_max_bytes);
    CHECK(log.size() > 0);
    CHECK(data.ends_with(log));
    CHECK(std::filesystem::file_size(rig.dir.file("guest.log.old")) <= limits.log_max_bytes);
    CHECK(rig.console->log_file().rotations() > 0);

    // A reader arriving later gets the pty's backlog, then live output again.
    const int user = rig.open_user();
    std::string late;
    REQUIRE(pump(rig.io, [&] {
        late += drain_fd(user);
        return rig.console->backlog() == 0;
    }));
    rig.guest.print("live\n");
    rig.dispatch();
    REQUIRE(pump(rig.io, [&] { return (late += drain_fd(user)).ends_with("live\n"); }));
    ::close(user);
}

TEST_CASE("the log file is bounded by rotation and survives an outside rename", "[console]") {
    TempDir dir;
    auto log = LogFile::open(dir.file("g.log"), 100);
    REQUIRE(log);
    log->write(std::string(60, 'a'));
    log->write(std::string(60, 'b'));  // would pass 100: rotate first
    CHECK(slurp(dir.file("g.log")) == std::string(60, 'b'));
    CHECK(slurp(dir.file("g.log.old")) == std::string(60, 'a'));
    log->write(std::string(250, 'c'));  // larger than a file: the newest 100 bytes
    CHECK(slurp(dir.file("g.log")) == std::string(100, 'c'));
    CHECK(log->dropped() == 150);
    CHECK(log->rotations() == 2);

    std::filesystem::rename(dir.file("g.log"), dir.file("g.log.1"));  // logrotate
    REQUIRE(log->reopen());
    log->write(std::string("x"));
    CHECK(slurp(dir.file("g.log")) == "x");

    // A symlink planted where the log goes is not followed.
    std::filesystem::create_symlink(dir.file("elsewhere"), dir.file("evil.log"));
    CHECK_FALSE(LogFile::open(dir.file("evil.log"), 0));
}

TEST_CASE("log file names come from the domain name, made safe", "[console]") {
    CHECK(log_file_name("web", 3) == "guest-web.log");
    CHECK(log_file_name("a/../b c", 3) == "guest-a_.._b_c.log");
    CHECK(log_file_name("..", 3) == "guest-dom3.log");
    CHECK(log_file_name("", 4) == "guest-dom4.log");
    CHECK(log_file_name(std::string(100, 'x'), 4).size() == 64 + 10);
}
