// The client library over a real Unix socket served by UnixServer (event loop on its own
// thread; the daemon is only touched from that thread).
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <thread>

#include "harness.hpp"
#include "unix_server.hpp"
#include "xs/client.hpp"

using namespace tessera::xenstored;
namespace xs = tessera::xs;

TEST_CASE("client library over a Unix socket, including a guest-domain socket") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("xs-unix-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "run" / "socket").string();  // the directory is created for us
    const auto guest_path = (dir / "dom3").string();
    boost::asio::io_context io;
    Daemon daemon;
    UnixServer server(io, daemon, path);
    UnixServer guest_server(io, daemon, guest_path, 3);
    server.start();
    guest_server.start();
    std::thread loop([&] { io.run(); });

    {
        auto c = xs::Client::open(path);
        REQUIRE(c);
        REQUIRE(c->write("/u/v", "1"));
        CHECK(c->read("/u/v").value() == "1");
        REQUIRE(c->watch("/u", "t"));
        CHECK(c->wait_watch()->path == "/u");

        auto g = xs::Client::open(guest_path);
        REQUIRE(g);
        const auto denied = g->read("/u/v");
        REQUIRE_FALSE(denied);
        CHECK(denied.error().code == EACCES);
        CHECK(g->get_domain_path(3).value() == "/local/domain/3");
        REQUIRE(c->write("/u/w", "2"));
        CHECK(c->wait_watch()->path == "/u/w");
    }
    CHECK_FALSE(xs::Client::open((dir / "nothing").string()));

    boost::asio::post(io, [&] {
        server.stop();
        guest_server.stop();
        io.stop();
    });
    loop.join();
    std::filesystem::remove_all(dir);
}

TEST_CASE("Client::pump collects watch events without blocking, for event loops") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("xs-pump-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "socket").string();
    boost::asio::io_context io;
    Daemon daemon;
    auto server = std::make_unique<UnixServer>(io, daemon, path);
    server->start();
    std::thread loop([&] { io.run(); });

    auto watcher = xs::Client::open(path);
    auto writer = xs::Client::open(path);
    REQUIRE(watcher);
    REQUIRE(writer);
    CHECK(watcher->native_handle() >= 0);
    std::vector<std::string> seen;
    const auto collect = [&](std::size_t n) {
        for (int i = 0; i < 2000 && seen.size() < n; ++i) {
            REQUIRE(watcher->pump());  // returns at once when nothing came
            while (auto e = watcher->poll_watch()) seen.push_back(e->path);
            if (seen.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    };
    REQUIRE(watcher->watch("/p", "tok"));
    collect(1);  // the watch's first event
    REQUIRE(writer->write("/p/a", "1"));
    REQUIRE(writer->write("/p/b", "2"));
    collect(3);
    CHECK(seen == std::vector<std::string>{"/p", "/p/a", "/p/b"});
    REQUIRE(watcher->pump());
    CHECK_FALSE(watcher->poll_watch());
    // Requests still work on the same connection afterwards.
    CHECK(watcher->read("/p/b").value() == "2");

    boost::asio::post(io, [&] {
        server->stop();
        io.stop();
    });
    loop.join();
    std::filesystem::remove_all(dir);
}
