#include "unix_server.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>

namespace tessera::xenstored {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

namespace {

/// Requests a socket client may have in flight before we stop reading from it.
constexpr std::size_t kSocketOutstanding = 1024;

struct Session {
    Session(Socket s, std::shared_ptr<Connection> c)
        : socket(std::move(s)),
          conn(std::move(c)),
          wake_writer(socket.get_executor(), asio::steady_timer::time_point::max()),
          wake_reader(socket.get_executor(), asio::steady_timer::time_point::max()) {}

    Socket socket;
    std::shared_ptr<Connection> conn;
    asio::steady_timer wake_writer;
    asio::steady_timer wake_reader;
    bool done = false;

    void finish(Daemon& daemon) {
        if (done) return;
        done = true;
        daemon.remove_connection(conn->id());
        boost::system::error_code ec;
        socket.shutdown(Socket::shutdown_both, ec);
        wake_writer.cancel();
        wake_reader.cancel();
    }
};

asio::awaitable<void> reader(std::shared_ptr<Session> s, Daemon& daemon) {
    xs::StreamDecoder decoder;
    char buf[8192];
    boost::system::error_code ec;
    while (!s->done) {
        const std::size_t n = co_await s->socket.async_read_some(
            asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec || s->done) break;
        std::size_t used = 0;
        while (used < n && !s->done) {
            used += decoder.feed(std::span<const char>(buf + used, n - used));
            if (decoder.status() == xs::StreamDecoder::Status::kTooLong) {
                s->finish(daemon);  // oversized message: protocol violation, drop the client
                break;
            }
            if (decoder.status() != xs::StreamDecoder::Status::kMessage) continue;
            daemon.handle(*s->conn, decoder.take());
            if (s->conn->closing()) s->finish(daemon);
            // A client that does not read its replies stops being read from.
            while (!s->done && s->conn->pending_replies() >= kSocketOutstanding) {
                s->wake_reader.expires_at(asio::steady_timer::time_point::max());
                co_await s->wake_reader.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
        }
    }
    s->finish(daemon);
}

asio::awaitable<void> writer(std::shared_ptr<Session> s, Daemon& daemon) {
    boost::system::error_code ec;
    while (!s->done) {
        auto& out = s->conn->output();
        while (!out.empty() && !s->done) {
            co_await asio::async_write(s->socket, asio::buffer(out.front()),
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                s->finish(daemon);
                co_return;
            }
            s->conn->pop_front();
        }
        if (s->conn->closing()) {
            s->finish(daemon);
            co_return;
        }
        s->wake_writer.expires_at(asio::steady_timer::time_point::max());
        co_await s->wake_writer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::local::stream_protocol::acceptor make_acceptor(asio::io_context& io,
                                                     const std::string& path) {
    const std::filesystem::path p(path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::filesystem::remove(p);
    asio::local::stream_protocol::acceptor acceptor(io,
                                                    asio::local::stream_protocol::endpoint(path));
    ::chmod(path.c_str(), 0600);
    return acceptor;
}

}  // namespace

UnixServer::UnixServer(asio::io_context& io, Daemon& daemon, const std::string& path, DomId domid)
    : io_(io), daemon_(daemon), acceptor_(make_acceptor(io, path)), domid_(domid) {}

void UnixServer::start() {
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
            while (acceptor_.is_open()) {
                boost::system::error_code ec;
                Socket sock =
                    co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
                if (ec) {
                    if (ec == asio::error::operation_aborted) co_return;
                    continue;
                }
                auto conn = daemon_.add_connection(Connection::Kind::kSocket, domid_);
                auto s = std::make_shared<Session>(std::move(sock), conn);
                std::weak_ptr<Session> weak = s;
                conn->on_output = [weak] {
                    if (auto p = weak.lock()) p->wake_writer.cancel();
                };
                conn->on_room = [weak] {
                    if (auto p = weak.lock()) p->wake_reader.cancel();
                };
                asio::co_spawn(io_, reader(s, daemon_), asio::detached);
                asio::co_spawn(io_, writer(s, daemon_), asio::detached);
            }
        },
        asio::detached);
}

void UnixServer::stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

}  // namespace tessera::xenstored
