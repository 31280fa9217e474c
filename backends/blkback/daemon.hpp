// tessera-blkback's core: finds the virtual disks the toolstack puts under
// /local/domain/0/backend/vbd (one watch on that directory, one on each frontend's state), runs
// a Device per disk, and dispatches event-channel notifications to their queues. Everything
// runs on one Boost.Asio event loop; request I/O runs on the Executor. All devices are the
// dom0 libraries' interfaces, so the host tests run it against their fakes.
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio's awaitable.hpp uses std::exchange without it
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "device.hpp"

namespace tessera::blkback {

namespace asio = boost::asio;

struct DaemonOptions {
    DeviceOptions device;
    std::string root = "/local/domain/0/backend/vbd";
    /// One line per message (default: stderr, prefixed "tessera-blkback: ").
    std::function<void(const std::string&)> log;
    /// Called when the daemon cannot go on (xenstore or the event-channel device failed); by
    /// default the event loop is stopped.
    std::function<void(const std::string&)> fatal;
};

class Daemon {
public:
    using Key = std::pair<domid_t, std::uint32_t>;

    Daemon(asio::io_context& io, Backends backends, VbdStore& store, DaemonOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Set the watch, look at every disk, start the loops.
    xen::Result<void> start();
    /// Tear every disk down and stop the loops.
    void stop();
    /// Look at every backend directory again.
    void rescan();

    Device* device(domid_t domid, std::uint32_t devid) const;
    std::size_t device_count() const { return devices_.size(); }

private:
    void say(const std::string& line) const;
    void look_at(const Key& key);
    void drop(const Key& key);
    void refresh_ports(const Key& key);
    void handle(const std::vector<xs::WatchEvent>& events);
    void handle_fired(const std::vector<evtchn_port_t>& ports);
    bool process_store();
    void fail(const std::string& why);
    asio::awaitable<void> event_loop(std::shared_ptr<bool> alive);
    asio::awaitable<void> store_loop(std::shared_ptr<bool> alive);

    asio::io_context& io_;
    Backends backends_;
    VbdStore& store_;
    DaemonOptions options_;
    asio::posix::stream_descriptor event_fd_;
    asio::posix::stream_descriptor store_fd_;
    std::map<Key, std::unique_ptr<Device>> devices_;
    std::map<Key, std::string> frontend_watches_;
    std::map<evtchn_port_t, Key> ports_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool started_ = false;
    bool stopped_ = false;
};

/// "<domid>/<devid>" at the start of a path below the root, or nullopt.
std::optional<Daemon::Key> parse_device_key(std::string_view relative);

}  // namespace tessera::blkback
