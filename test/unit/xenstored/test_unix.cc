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
