// Disk discovery, watch handling and event dispatch.
#include "daemon.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>

namespace tessera::blkback {

namespace {
constexpr const char* kRootToken = "vbd";
constexpr const char* kFrontendTokenPrefix = "front:";
}  // namespace

std::optional<Daemon::Key> parse_device_key(std::string_view relative) {
    const auto slash = relative.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const std::string_view rest = relative.substr(slash + 1);
    const auto end = rest.find('/');
    const auto domid = parse_number(std::string(relative.substr(0, slash)), DOMID_FIRST_RESERVED - 1);
    const auto devid = parse_number(std::string(rest.substr(0, end)), UINT32_MAX);
    if (!domid || !devid) return std::nullopt;
    return Daemon::Key{static_cast<domid_t>(*domid), static_cast<std::uint32_t>(*devid)};
}

Daemon::Daemon(asio::io_context& io, Backends backends, VbdStore& store, DaemonOptions options)
    : io_(io), backends_(backends), store_(store), options_(std::move(options)), event_fd_(io),
      store_fd_(io) {
    if (!options_.device.log) options_.device.log = [this](const std::string& s) { say(s); };
}

Daemon::~Daemon() {
    stop();
    *alive_ = false;
}

void Daemon::say(const std::string& line) const {
    if (options_.log) {
        options_.log(line);
    } else {
        std::fprintf(stderr, "tessera-blkback: %s\n", line.c_str());
    }
}

void Daemon::fail(const std::string& why) {
    say(why);
    if (options_.fatal) {
        options_.fatal(why);
    } else {
        io_.stop();
    }
}

Device* Daemon::device(domid_t domid, std::uint32_t devid) const {
    const auto it = devices_.find({domid, devid});
    return it == devices_.end() ? nullptr : it->second.get();
}

xen::Result<void> Daemon::start() {
    if (started_) return {};
    boost::system::error_code ec;
    const int event_fd = ::dup(backends_.events.fd());
    if (event_fd < 0) return xen::fail_errno("dup of the event channel descriptor");
    event_fd_.assign(event_fd, ec);
    if (ec) return xen::fail(ec.value(), "event channel descriptor: " + ec.message());
    if (store_.native_handle() >= 0) {
        const int fd = ::dup(store_.native_handle());
        if (fd < 0) return xen::fail_errno("dup of the xenstore descriptor");
        store_fd_.assign(fd, ec);
        if (ec) return xen::fail(ec.value(), "xenstore descriptor: " + ec.message());
    }
    if (auto w = store_.watch(options_.root, kRootToken); !w) {
        return xen::fail(w.error().code, "watch " + options_.root + ": " + w.error().message);
    }
    started_ = true;
    rescan();
    asio::co_spawn(io_, event_loop(alive_), asio::detached);
    if (store_fd_.is_open()) asio::co_spawn(io_, store_loop(alive_), asio::detached);
    return {};
}

void Daemon::stop() {
    if (stopped_) return;
    stopped_ = true;
    while (!devices_.empty()) drop(devices_.begin()->first);
    boost::system::error_code ec;
    event_fd_.cancel(ec);
    store_fd_.cancel(ec);
}

void Daemon::rescan() {
    std::set<Key> present;
    if (auto domains = store_.directory(options_.root)) {
        for (const auto& domain : *domains) {
            auto disks = store_.directory(options_.root + "/" + domain);
            if (!disks) continue;
            for (const auto& disk : *disks) {
                if (auto key = parse_device_key(domain + "/" + disk)) present.insert(*key);
            }
        }
    }
    for (const auto& [key, device] : devices_) present.insert(key);  // gone ones are dropped
    for (const auto& key : present) look_at(key);
}

void Daemon::look_at(const Key& key) {
    auto it = devices_.find(key);
    const std::string path =
        options_.root + "/" + std::to_string(key.first) + "/" + std::to_string(key.second);
    if (it == devices_.end()) {
        if (!store_.read(path + "/state")) return;  // not (or no longer) a disk
        it = devices_
                 .emplace(key, std::make_unique<Device>(backends_, store_, path, key.first,
                                                        key.second, options_.device))
                 .first;
    }
    if (!it->second->evaluate()) return drop(key);
    const std::string& front = it->second->frontend_path();
    if (!front.empty() && !frontend_watches_.contains(key)) {
        const std::string token = kFrontendTokenPrefix + std::to_string(key.first) + "/" +
                                  std::to_string(key.second);
        if (store_.watch(front + "/state", token)) frontend_watches_[key] = front + "/state";
    }
    refresh_ports(key);
}

void Daemon::refresh_ports(const Key& key) {
    std::erase_if(ports_, [&](const auto& p) { return p.second == key; });
    if (const Device* d = device(key.first, key.second)) {
        for (const evtchn_port_t port : d->ports()) ports_[port] = key;
    }
}

void Daemon::drop(const Key& key) {
    if (const auto w = frontend_watches_.find(key); w != frontend_watches_.end()) {
        (void)store_.unwatch(w->second, kFrontendTokenPrefix + std::to_string(key.first) + "/" +
                                            std::to_string(key.second));
        frontend_watches_.erase(w);
    }
    devices_.erase(key);  // disconnects
    refresh_ports(key);
}

void Daemon::handle(const std::vector<xs::WatchEvent>& events) {
    std::set<Key> touched;
    bool everything = false;
    for (const auto& e : events) {
        if (e.token.starts_with(kFrontendTokenPrefix)) {
            if (auto key = parse_device_key(e.token.substr(std::string(kFrontendTokenPrefix).size()) + "/")) {
                touched.insert(*key);
            }
        } else if (e.token == kRootToken) {
            const std::string prefix = options_.root + "/";
            auto key = e.path.starts_with(prefix)
                           ? parse_device_key(e.path.substr(prefix.size()) + "/")
                           : std::nullopt;
            if (key) {
                touched.insert(*key);
            } else {
                everything = true;  // the root or a domain's directory changed
            }
        }
    }
    if (everything) rescan();
    for (const auto& key : touched) look_at(key);
}

void Daemon::handle_fired(const std::vector<evtchn_port_t>& ports) {
    for (const evtchn_port_t port : ports) {
        const auto it = ports_.find(port);
        if (it == ports_.end()) {
            (void)backends_.events.unmask(port);  // a port we have just closed
            continue;
        }
        const Key key = it->second;
        if (Device* d = device(key.first, key.second)) {
            d->on_event(port);  // writes the port back itself
            refresh_ports(key);
        }
    }
}

bool Daemon::process_store() {
    while (!stopped_) {
        auto events = store_.take_events();
        if (!events) {
            fail("xenstore: " + events.error().message);
            return false;
        }
        if (events->empty()) return true;
        handle(*events);
    }
    return true;
}

// The loops collect what is there before waiting (the epoll reactor is edge-triggered). They
// live as long as the daemon: `alive` is cleared by its destructor.
asio::awaitable<void> Daemon::event_loop(std::shared_ptr<bool> alive) {
    boost::system::error_code ec;
    while (*alive && !stopped_) {
        auto fired = backends_.events.pending();
        if (!fired) {
            fail("event channels: " + fired.error().message);
            co_return;
        }
        handle_fired(*fired);
        if (!fired->empty()) continue;
        co_await event_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive || stopped_) co_return;
        if (ec && ec != asio::error::operation_aborted) {
            fail("event channels: " + ec.message());
            co_return;
        }
    }
}

asio::awaitable<void> Daemon::store_loop(std::shared_ptr<bool> alive) {
    boost::system::error_code ec;
    while (*alive && !stopped_) {
        if (!process_store()) co_return;
        co_await store_fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                                      asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive || stopped_) co_return;
        if (ec && ec != asio::error::operation_aborted) {
            fail("xenstore: " + ec.message());
            co_return;
        }
    }
}

}  // namespace tessera::blkback
