#include "dom_exc.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

#include "hvcall/control.hpp"

namespace tessera::xenstored {

namespace asio = boost::asio;

DomainStatus query_domain_status(xen::Hypervisor& hv, DomId id, std::string* error) {
    const auto life = xen::domain_life(hv, id);
    if (!life) {
        if (error != nullptr) *error = life.error().message;
        return DomainStatus::kUnknown;
    }
    switch (*life) {
        case xen::DomainLife::running:
            return DomainStatus::kRunning;
        case xen::DomainLife::shutdown:
            return DomainStatus::kShutdown;
        case xen::DomainLife::dying:
            return DomainStatus::kDying;
        case xen::DomainLife::gone:
            return DomainStatus::kGone;
    }
    return DomainStatus::kUnknown;
}

namespace {

const char* what(DomainStatus s) {
    switch (s) {
        case DomainStatus::kShutdown:
            return " has shut down";
        case DomainStatus::kDying:
            return " is dying: released";
        case DomainStatus::kGone:
            return " no longer exists: released";
        default:
            return " changed";
    }
}

}  // namespace

struct DomainExceptionWatch::State {
    State(asio::io_context& io_, Daemon& d, xen::EventChannels& e, xen::Hypervisor& h,
          std::function<void(const std::string&)> l)
        : io(io_), daemon(d), events(e), hv(h), log(std::move(l)), fd(io_) {}

    void say(const std::string& line) const {
        if (log) {
            log(line);
        } else {
            std::fprintf(stderr, "xenstored: %s\n", line.c_str());
        }
    }

    void check() {
        const auto changed = daemon.check_domains([this](DomId id) {
            std::string error;
            const DomainStatus s = query_domain_status(hv, id, &error);
            // The same failure (a hypervisor without getdomaininfo, say) is reported once.
            if (s == DomainStatus::kUnknown && reported.insert(error).second) {
                say("cannot tell what became of domain " + std::to_string(id) + ": " + error);
            }
            return s;
        });
        for (const auto& [id, s] : changed) say("domain " + std::to_string(id) + what(s));
    }

    asio::io_context& io;
    Daemon& daemon;
    xen::EventChannels& events;
    xen::Hypervisor& hv;
    std::function<void(const std::string&)> log;
    asio::posix::stream_descriptor fd;
    evtchn_port_t port = 0;
    bool stopped = false;
    std::set<std::string> reported;
};

DomainExceptionWatch::DomainExceptionWatch(asio::io_context& io, Daemon& daemon,
                                           xen::EventChannels& events, xen::Hypervisor& hv,
                                           std::function<void(const std::string&)> log)
    : state_(std::make_shared<State>(io, daemon, events, hv, std::move(log))) {}

DomainExceptionWatch::~DomainExceptionWatch() {
    stop();
}

xen::Result<void> DomainExceptionWatch::start() {
    auto port = state_->events.bind_virq(VIRQ_DOM_EXC);
    if (!port) return std::unexpected(port.error());
    state_->port = *port;
    const int fd = ::dup(state_->events.fd());
    if (fd < 0) return xen::fail_errno("dup of the event channel descriptor");
    state_->fd.assign(fd);
    asio::co_spawn(
        state_->io,
        [s = state_]() -> asio::awaitable<void> {
            // Collect before waiting: the reactor is edge-triggered, so ports that fired while
            // nobody waited would not wake us again.
            while (!s->stopped) {
                auto fired = s->events.pending();
                if (!fired) {
                    s->say("reading VIRQ_DOM_EXC: " + fired.error().message);
                    break;
                }
                bool ours = false;
                for (const evtchn_port_t p : *fired) {
                    ours = ours || p == s->port;
                    (void)s->events.unmask(p);  // before looking, so a new exception re-fires
                }
                if (ours) s->check();
                if (!fired->empty()) continue;
                boost::system::error_code ec;
                co_await s->fd.async_wait(asio::posix::stream_descriptor::wait_read,
                                          asio::redirect_error(asio::use_awaitable, ec));
                if (ec && ec != asio::error::operation_aborted) break;
            }
        },
        asio::detached);
    return {};
}

void DomainExceptionWatch::stop() {
    state_->stopped = true;
    boost::system::error_code ec;
    state_->fd.cancel(ec);
}

void DomainExceptionWatch::check() {
    state_->check();
}

}  // namespace tessera::xenstored
