#include "domain_rings.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ring.hpp"

namespace tessera::xenstored {

namespace asio = boost::asio;

namespace {
/// Outstanding requests allowed to dom0's own ring (the quota applies to guests only).
constexpr std::size_t kPrivilegedOutstanding = 1024;
}  // namespace

struct DomainRings::Served {
    Served(asio::io_context& io, std::unique_ptr<RingMapping> m, std::unique_ptr<EventPort> p)
        : map(std::move(m)),
          port(std::move(p)),
          ring(map->page()),
          events(io, ::dup(port->fd())),
          wake_writer(io, asio::steady_timer::time_point::max()),
          wake_reader(io, asio::steady_timer::time_point::max()) {}

    std::shared_ptr<Connection> conn;
    std::unique_ptr<RingMapping> map;
    std::unique_ptr<EventPort> port;
    Ring ring;
    asio::posix::stream_descriptor events;
    asio::steady_timer wake_writer;
    asio::steady_timer wake_reader;
    bool stopped = false;
};

namespace {

void flush(Ring& ring, Connection& conn, EventPort& port) {
    std::size_t written = 0;
    ring.write_output(conn, written);
    if (written > 0) port.notify();
}

}  // namespace

DomainRings::DomainRings(asio::io_context& io, XenDevices& devices) : io_(io), devices_(devices) {}

DomainRings::~DomainRings() {
    for (auto& [id, s] : served_) {
        s->stopped = true;
        s->events.cancel();
        s->wake_writer.cancel();
        s->wake_reader.cancel();
    }
}

std::shared_ptr<Connection> DomainRings::connect(Daemon& daemon, const Domain& domain, int& err) {
    auto map = devices_.map_guest_ring(domain.id, err);
    if (!map) return nullptr;
    auto port = devices_.bind(domain.id, domain.port, err);
    if (!port) return nullptr;
    return serve(daemon, domain, std::move(map), std::move(port));
}

int DomainRings::attach_dom0(Daemon& daemon) {
    int err = 0;
    std::uint32_t remote = 0;
    auto map = devices_.map_dom0_ring(remote, err);
    if (!map) return err;
    auto port = devices_.bind(0, remote, err);
    if (!port) return err;
    const Domain d{0, 0, remote, std::nullopt, 0};
    auto conn = serve(daemon, d, std::move(map), std::move(port));
    daemon.adopt_domain_connection(d, conn);
    return 0;
}

std::shared_ptr<Connection> DomainRings::serve(Daemon& daemon, const Domain& domain,
                                               std::unique_ptr<RingMapping> map,
                                               std::unique_ptr<EventPort> port) {
    auto s = std::make_shared<Served>(io_, std::move(map), std::move(port));
    s->conn = daemon.add_connection(Connection::Kind::kDomain, domain.id);
    std::weak_ptr<Served> weak = s;
    s->conn->on_output = [weak] {
        if (auto p = weak.lock()) p->wake_writer.cancel();
    };
    s->conn->on_room = [weak] {
        if (auto p = weak.lock()) p->wake_reader.cancel();
    };
    served_[s->conn->id()] = s;

    // Writer: move queued output into the ring whenever woken.
    asio::co_spawn(
        io_,
        [s]() -> asio::awaitable<void> {
            while (!s->stopped) {
                flush(s->ring, *s->conn, *s->port);
                s->wake_writer.expires_at(asio::steady_timer::time_point::max());
                boost::system::error_code ec;
                co_await s->wake_writer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
        },
        asio::detached);

    // Reader: on every notification take whole requests out of the ring and handle them.
    asio::co_spawn(
        io_,
        [s, &daemon]() -> asio::awaitable<void> {
            boost::system::error_code ec;
            while (!s->stopped) {
                Connection& conn = *s->conn;
                if (s->ring.reconnect_requested()) {
                    daemon.watches().remove_all(conn.id());
                    conn.transactions().clear();
                    while (!conn.output().empty()) conn.pop_front();
                    s->ring.reset();
                    s->port->notify();
                }
                // Requests whose replies the guest has not taken yet are bounded, so a guest
                // that never reads its ring cannot make us queue without limit.
                const std::size_t limit =
                    conn.privileged() ? kPrivilegedOutstanding : daemon.quota().outstanding;
                if (conn.pending_replies() >= limit) {
                    s->wake_reader.expires_at(asio::steady_timer::time_point::max());
                    co_await s->wake_reader.async_wait(
                        asio::redirect_error(asio::use_awaitable, ec));
                    continue;
                }
                const std::size_t max = limit - conn.pending_replies();
                std::vector<xs::Message> requests;
                s->ring.read_requests(requests, max);
                if (s->ring.consumed() > 0) s->port->notify();
                for (const auto& m : requests) daemon.handle(conn, m);
                if (requests.size() == max) continue;  // maybe more waiting
                co_await s->events.async_wait(asio::posix::stream_descriptor::wait_read,
                                              asio::redirect_error(asio::use_awaitable, ec));
                if (s->stopped) break;
                if (!ec) {
                    s->port->acknowledge();
                } else if (ec != asio::error::operation_aborted) {
                    break;
                }
                s->wake_writer.cancel();  // the guest may have consumed responses
            }
        },
        asio::detached);
    return s->conn;
}

void DomainRings::disconnect(ConnId conn) {
    const auto it = served_.find(conn);
    if (it == served_.end()) return;
    auto& s = it->second;
    s->stopped = true;
    s->events.cancel();
    s->wake_writer.cancel();
    s->wake_reader.cancel();
    served_.erase(it);
}

std::string DomainRings::partial_input(ConnId conn) const {
    const auto it = served_.find(conn);
    return it == served_.end() ? std::string() : it->second->ring.partial_input();
}

void DomainRings::restore_partial_input(ConnId conn, const std::string& bytes) {
    if (const auto it = served_.find(conn); it != served_.end()) {
        it->second->ring.restore_partial_input(bytes);
    }
}

void DomainRings::kick_all() {
    for (auto& [id, s] : served_) {
        s->events.cancel();  // a cancelled wait makes the reader look at the ring again
        s->wake_writer.cancel();
    }
}

}  // namespace tessera::xenstored
