// The console daemon against fakes: domains appearing and going away, grant or foreign
// mapping, a console that moves, xenstore-only lifetime, a flooding neighbour, a lost xenstore,
// and the real xenstore client against our xenstored.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "daemon.hpp"
#include "fakes.hpp"
#include "unix_server.hpp"

using namespace tessera::consoled;
using namespace tessera::consoled::test;
namespace xs = tessera::xs;

namespace {

struct Rig {
    explicit Rig(bool with_hv = true, bool with_foreign = true) {
        options.log_dir = (dir.path / "console").string();  // created by start()
        options.log = [this](const std::string& s) { said.push_back(s); };
        options.fatal = [this](const std::string& s) { fatal = s; };
        daemon = std::make_unique<Daemon>(
            io,
            Devices{world.events, &world.grants, with_foreign ? &world.foreign : nullptr,
                    with_hv ? &world.hv : nullptr},
            store, options);
    }
    ~Rig() {
        daemon.reset();
        io.restart();
        io.poll();
    }

    /// What the toolstack writes for a guest's console (xenstore_layout.cc).
    void publish(const Guest& g, const std::string& name) {
        const std::string base = "/local/domain/" + std::to_string(g.domid);
        store.set(base + "/name", name);
        store.set(base + "/console/ring-ref", std::to_string(Guest::kConsoleGfn));
        store.set(base + "/console/port", std::to_string(g.port));
        store.set(base + "/console/tty", "");
    }
    bool settle(const std::function<bool()>& pred) { return pump(io, pred); }
    /// Let the loop run a little when nothing observable is expected to happen.
    void idle() { pump(io, [] { return false; }, 50); }
    std::string log(const std::string& name) const {
        return slurp(options.log_dir + "/guest-" + name + ".log");
    }
    bool said_with(const std::string& part) const {
        return std::any_of(said.begin(), said.end(),
                           [&](const auto& s) { return s.find(part) != std::string::npos; });
    }

    boost::asio::io_context io;
    World world;
    FakeStore store;
    TempDir dir;
    Options options;
    std::vector<std::string> said;
    std::string fatal;
    std::unique_ptr<Daemon> daemon;
};

}  // namespace

TEST_CASE("a domain that appears gets a console; one that dies has it closed", "[daemon]") {
    Rig rig;
    Guest g(rig.world, 7);
    REQUIRE(rig.daemon->start());
    CHECK(rig.daemon->domains().empty());

    rig.publish(g, "web");
    rig.store.fire("@introduceDomain");
    REQUIRE(
        rig.settle([&] { return rig.daemon->console(7) && rig.daemon->console(7)->attached(); }));
    const auto console = rig.daemon->console(7);
    CHECK(std::string(console->mapped_by()) == "grant");
    CHECK(console->tty().starts_with("/dev/pts/"));
    CHECK(rig.store.value("/local/domain/7/console/tty") == console->tty());
    CHECK(rig.store.value("/local/domain/7/console/type") == "xenconsoled");

    g.print("hello from 7\n");
    REQUIRE(rig.settle([&] { return rig.log("web") == "hello from 7\n"; }));
    const evtchn_port_t local = console->local_port();
    CHECK(rig.world.hub.port(0, local)->state == xen::FakeEventHub::State::interdomain);
    CHECK(rig.world.memory.pins.contains({7, GNTTAB_RESERVED_CONSOLE}));

    // Shut down, not dead: the console stays (its last words can still be read).
    rig.world.flags[7] = XEN_DOMINF_shutdown;
    rig.store.fire("@releaseDomain");
    rig.idle();
    CHECK(rig.daemon->console(7) == console);

    rig.world.flags[7] = XEN_DOMINF_dying;
    rig.store.fire("@releaseDomain");
    REQUIRE(rig.settle([&] { return !rig.daemon->console(7); }));
    CHECK_FALSE(console->attached());
    CHECK_FALSE(rig.world.memory.pins.contains({7, GNTTAB_RESERVED_CONSOLE}));  // unmapped
    CHECK_FALSE(rig.world.hub.port(0, local));                                  // unbound
    CHECK(rig.world.hub.port(7, g.port)->state == xen::FakeEventHub::State::unbound);
    CHECK(rig.daemon->domains().empty());
    for (const auto& [path, token] : rig.store.watches) CHECK(path.starts_with("@"));
}

TEST_CASE("without grant ref 0 the console page is foreign-mapped from console/ring-ref",
          "[daemon]") {
    Rig rig;
    Guest g(rig.world, 8, false);
    rig.publish(g, "nogrant");
    REQUIRE(rig.daemon->start());  // found by the first scan
    REQUIRE(rig.daemon->console(8));
    CHECK(std::string(rig.daemon->console(8)->mapped_by()) == "foreign");
    g.print("via privcmd\n");
    REQUIRE(rig.settle([&] { return rig.log("nogrant") == "via privcmd\n"; }));
}

TEST_CASE("a page that cannot be mapped is reported once and retried when it changes", "[daemon]") {
    Rig rig(true, false);  // no privcmd foreign mapping
    Guest g(rig.world, 9, false);
    rig.publish(g, "nine");
    REQUIRE(rig.daemon->start());
    for (int i = 0; i < 3; ++i) rig.store.fire("@introduceDomain");
    rig.idle();
    CHECK_FALSE(rig.daemon->console(9));
    CHECK(std::count_if(rig.said.begin(), rig.said.end(), [](const auto& s) {
              return s.find("cannot map the console page") != std::string::npos;
          }) == 1);
    // The guest grants the page and the toolstack rewrites the node: it connects.
    g.dom->grant_access(GNTTAB_RESERVED_CONSOLE, 0, Guest::kConsoleGfn, false);
    rig.store.set("/local/domain/9/console/ring-ref", std::to_string(Guest::kConsoleGfn));
    REQUIRE(rig.settle([&] { return rig.daemon->console(9) != nullptr; }));
}

TEST_CASE("a console whose port changes is re-attached and keeps its pty", "[daemon]") {
    Rig rig;
    Guest g(rig.world, 7);
    rig.publish(g, "web");
    REQUIRE(rig.daemon->start());
    const auto console = rig.daemon->console(7);
    REQUIRE(console);
    const std::string tty = console->tty();
    const evtchn_port_t old_local = console->local_port();

    g.port = rig.world.hub.alloc_unbound(7, 0).value();  // the guest re-made its channel
    rig.store.set("/local/domain/7/console/port", std::to_string(g.port));
    REQUIRE(rig.settle([&] { return console->key().port == g.port; }));
    CHECK(console->tty() == tty);
    CHECK_FALSE(rig.world.hub.port(0, old_local));
    g.print("again\n");
    REQUIRE(rig.settle([&] { return rig.log("web") == "again\n"; }));

    // The console nodes go away while the domain lives: the ring is let go, the pty kept.
    rig.store.rm("/local/domain/7/console");
    REQUIRE(rig.settle([&] { return !console->attached(); }));
    CHECK(rig.daemon->console(7) == console);
}

TEST_CASE("without a hypervisor to ask, a domain lives as long as /local/domain/N", "[daemon]") {
    Rig rig(false);
    Guest g(rig.world, 4);
    rig.publish(g, "four");
    REQUIRE(rig.daemon->start());
    REQUIRE(rig.daemon->console(4));
    rig.store.fire("@releaseDomain");
    rig.idle();
    CHECK(rig.daemon->console(4));
    rig.store.rm("/local/domain/4");
    rig.store.fire("@releaseDomain");
    REQUIRE(rig.settle([&] { return !rig.daemon->console(4); }));
}

TEST_CASE("a hypervisor that says a domain is gone wins over stale xenstore entries", "[daemon]") {
    Rig rig;
    Guest g(rig.world, 6);
    rig.publish(g, "six");
    rig.world.flags.erase(6);  // destroyed; the toolstack has not cleaned xenstore yet
    REQUIRE(rig.daemon->start());
    CHECK_FALSE(rig.daemon->console(6));
    CHECK(rig.daemon->domains().empty());
}

TEST_CASE("a guest flooding its console does not starve another guest", "[daemon]") {
    Limits limits;
    limits.drain_budget = 4096;
    Rig rig;
    rig.options.limits = limits;
    rig.daemon = std::make_unique<Daemon>(
        rig.io, Devices{rig.world.events, &rig.world.grants, nullptr, &rig.world.hv}, rig.store,
        rig.options);
    Guest loud(rig.world, 2), quiet(rig.world, 3);
    rig.publish(loud, "loud");
    rig.publish(quiet, "quiet");
    REQUIRE(rig.daemon->start());
    const std::string noise(2048, 'z');
    quiet.print("hi\n");
    int rounds = 0;
    for (; rounds < 50 && rig.log("quiet") != "hi\n"; ++rounds) {
        loud.print(noise);
        rig.io.restart();
        rig.io.poll_one();
        rig.io.poll_one();
    }
    CHECK(rig.log("quiet") == "hi\n");
    CHECK(rounds < 10);
}

TEST_CASE("losing xenstore is fatal", "[daemon]") {
    Rig rig;
    REQUIRE(rig.daemon->start());
    rig.store.broken = true;
    rig.store.fire("@introduceDomain");
    REQUIRE(rig.settle([&] { return !rig.fatal.empty(); }));
    CHECK(rig.fatal.find("xenstore") != std::string::npos);
}

TEST_CASE("the real xenstore client: consoles follow INTRODUCE and RELEASE on our xenstored",
          "[daemon]") {
    namespace xsd = tessera::xenstored;
    TempDir run;
    const std::string socket = run.file("socket");
    boost::asio::io_context server_io;
    xsd::Daemon xenstored;
    xsd::UnixServer server(server_io, xenstored, socket);
    server.start();
    std::thread loop([&] { server_io.run(); });

    {
        auto client = xs::Client::open(socket);
        REQUIRE(client);
        XsConsoleStore store(std::move(*client));  // outlives the daemon in `rig`
        Rig rig(false);  // lifetime from xenstore, as when privcmd is missing
        rig.daemon = std::make_unique<Daemon>(
            rig.io, Devices{rig.world.events, &rig.world.grants, nullptr, nullptr}, store,
            rig.options);
        REQUIRE(rig.daemon->start());

        Guest g(rig.world, 12);
        auto tool = xs::Client::open(socket);
        REQUIRE(tool);
        const std::string base = "/local/domain/12";
        REQUIRE(tool->write(base + "/name", "twelve"));
        REQUIRE(tool->write(base + "/console/ring-ref", std::to_string(Guest::kConsoleGfn)));
        REQUIRE(tool->write(base + "/console/port", std::to_string(g.port)));
        REQUIRE(tool->introduce(12, Guest::kConsoleGfn + 1, 1));  // fires @introduceDomain
        REQUIRE(rig.settle([&] { return rig.daemon->console(12) != nullptr; }));
        const std::string tty = rig.daemon->console(12)->tty();
        REQUIRE(rig.settle([&] { return tool->read(base + "/console/tty").value_or("") == tty; }));
        g.print("over the socket\n");
        REQUIRE(rig.settle([&] { return rig.log("twelve") == "over the socket\n"; }));

        REQUIRE(tool->rm(base));
        REQUIRE(tool->release(12));  // fires @releaseDomain
        const bool gone = rig.settle([&] { return !rig.daemon->console(12); });
        std::string said;
        for (const auto& line : rig.said) said += line + "\n";
        CAPTURE(said);
        REQUIRE(gone);
        rig.daemon.reset();
    }
    boost::asio::post(server_io, [&] {
        server.stop();
        server_io.stop();
    });
    loop.join();
}
