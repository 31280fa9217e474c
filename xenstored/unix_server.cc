#include "unix_server.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <array>
#include <filesystem>
#include <span>
#include <vector>

namespace tessera::xenstored {

namespace asio = boost::asio;
using Socket = asio::local::stream_protocol::socket;

namespace {

/// Requests a socket client may have in flight before we stop reading from it.
constexpr std::size_t kSocketOutstanding = 1024;
/// Queued messages handed to one sendmsg.
constexpr std::size_t kGather = 16;

// The socket is non-blocking and the io_context runs on one thread, so a session needs few
// system calls a request: the reader reads when epoll says readable (no speculative read that
// fails with EAGAIN after every request), handles every message it got, then writes all the
// replies in one sendmsg itself. Only when the socket is full does the writer coroutine wait
// for room. Output that a batch queues for other clients (watch events) is written when the
// batch ends too; output queued outside any batch is flushed from a posted handler.
struct Session;

}  // namespace

struct UnixServer::Dispatch {
    bool active = false;                      // a reader is handling a batch right now
    std::vector<std::weak_ptr<Session>> dirty;  // others' output queued during the batch
};

namespace {

struct Session {
    Session(Socket s, std::shared_ptr<Connection> c, UnixServer::Dispatch& d)
        : socket(std::move(s)),
          conn(std::move(c)),
          dispatch(d),
          wake_writer(socket.get_executor(), asio::steady_timer::time_point::max()),
          wake_reader(socket.get_executor(), asio::steady_timer::time_point::max()) {
        socket.non_blocking(true);
    }

    Socket socket;
    std::shared_ptr<Connection> conn;
    UnixServer::Dispatch& dispatch;
    asio::steady_timer wake_writer;  // cancelled when the writer must wait for room
    asio::steady_timer wake_reader;  // cancelled when replies were written
    bool done = false;
    bool in_batch = false;       // the reader is handling messages; it flushes after them
    bool flush_posted = false;   // a flush handler is queued
    bool dirty = false;          // listed in dispatch.dirty
    bool write_blocked = false;  // the socket is full; the writer owns the output

    void finish(Daemon& daemon) {
        if (done) return;
        done = true;
        daemon.remove_connection(conn->id());
        boost::system::error_code ec;
        socket.shutdown(Socket::shutdown_both, ec);
        wake_writer.cancel();
        wake_reader.cancel();
    }

    /// Writes as much queued output as the socket takes now. When it is full, hands over to
    /// the writer coroutine.
    void flush(Daemon& daemon) {
        if (done || write_blocked) return;
        auto& out = conn->output();
        while (!out.empty()) {
            std::array<asio::const_buffer, kGather> bufs;
            std::size_t n = 0;
            for (; n < out.size() && n < kGather; ++n)
                bufs[n] = asio::buffer(out[n]) + (n == 0 ? conn->front_offset() : 0);
            boost::system::error_code ec;
            std::size_t written = socket.write_some(std::span(bufs.data(), n), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                write_blocked = true;
                wake_writer.cancel();
                return;
            }
            if (ec) {
                finish(daemon);
                return;
            }
            while (written > 0) {
                const std::size_t left = out.front().size() - conn->front_offset();
                if (written < left) {
                    conn->front_offset() += written;
                    break;
                }
                written -= left;
                conn->pop_front();
            }
        }
        if (conn->closing()) finish(daemon);
    }
};

void on_output(const std::weak_ptr<Session>& weak, Daemon& daemon) {
    auto s = weak.lock();
    if (!s || s->in_batch || s->flush_posted || s->write_blocked) return;
    if (s->dispatch.active) {  // another client's batch: written when it ends
        if (!s->dirty) {
            s->dirty = true;
            s->dispatch.dirty.push_back(weak);
        }
        return;
    }
    s->flush_posted = true;
    asio::post(s->socket.get_executor(), [weak, &daemon] {
        if (auto p = weak.lock()) {
            p->flush_posted = false;
            p->flush(daemon);
        }
    });
}

void begin_batch(Session& s) {
    s.in_batch = true;
    s.dispatch.active = true;
}

/// Ends the running batch: writes this client's replies, then what the batch queued for others.
void end_batch(Session& s, Daemon& daemon) {
    s.in_batch = false;
    s.dispatch.active = false;
    s.flush(daemon);
    auto dirty = std::move(s.dispatch.dirty);
    s.dispatch.dirty.clear();
    for (const auto& weak : dirty) {
        if (auto other = weak.lock()) {
            other->dirty = false;
            other->flush(daemon);
        }
    }
}

asio::awaitable<void> reader(std::shared_ptr<Session> s, Daemon& daemon) {
    xs::StreamDecoder decoder;
    char buf[8192];
    boost::system::error_code ec;
    bool maybe_more = true;  // the last read filled the buffer: read again before waiting
    while (!s->done) {
        if (!maybe_more) {
            co_await s->socket.async_wait(Socket::wait_read,
                                          asio::redirect_error(asio::use_awaitable, ec));
            if (ec || s->done) break;
        }
        const std::size_t n = s->socket.read_some(asio::buffer(buf), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            maybe_more = false;
            continue;
        }
        if (ec || s->done) break;  // end of file included
        maybe_more = n == sizeof buf;
        begin_batch(*s);
        std::size_t used = 0;
        while (used < n && !s->done) {
            used += decoder.feed(std::span<const char>(buf + used, n - used));
            if (decoder.status() == xs::StreamDecoder::Status::kTooLong) {
                s->finish(daemon);  // oversized message: protocol violation, drop the client
                break;
            }
            if (decoder.status() != xs::StreamDecoder::Status::kMessage) continue;
            daemon.handle(*s->conn, decoder.take());
            if (s->conn->closing()) s->flush(daemon);
            // A client that does not read its replies stops being read from.
            while (!s->done && s->conn->pending_replies() >= kSocketOutstanding) {
                end_batch(*s, daemon);  // never suspended inside a batch
                if (s->done || s->conn->pending_replies() < kSocketOutstanding) {
                    begin_batch(*s);
                    break;
                }
                s->wake_reader.expires_at(asio::steady_timer::time_point::max());
                co_await s->wake_reader.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                begin_batch(*s);
            }
        }
        end_batch(*s, daemon);
    }
    s->finish(daemon);
}

/// Waits for room in a full socket and writes the rest; idle otherwise.
asio::awaitable<void> writer(std::shared_ptr<Session> s, Daemon& daemon) {
    boost::system::error_code ec;
    while (!s->done) {
        if (!s->write_blocked) {
            s->wake_writer.expires_at(asio::steady_timer::time_point::max());
            co_await s->wake_writer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        co_await s->socket.async_wait(Socket::wait_write,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        s->write_blocked = false;
        s->flush(daemon);
    }
    s->finish(daemon);
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
    : io_(io),
      daemon_(daemon),
      acceptor_(make_acceptor(io, path)),
      domid_(domid),
      dispatch_(std::make_unique<Dispatch>()) {}

UnixServer::~UnixServer() = default;

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
                auto s = std::make_shared<Session>(std::move(sock), conn, *dispatch_);
                std::weak_ptr<Session> weak = s;
                conn->on_output = [weak, this] { on_output(weak, daemon_); };
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
