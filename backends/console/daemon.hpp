// tessera-consoled's core: which domains have a console, and their lifecycle. Like Xen's
// xenconsoled it watches @introduceDomain and @releaseDomain (and each known domain's console
// directory), rescans /local/domain, and for a domain with console/ring-ref and console/port:
//  - maps its console page: grant ref 0 (GNTTAB_RESERVED_CONSOLE) through gntdev, else a
//    foreign mapping of the gfn in console/ring-ref through privcmd;
//  - binds an interdomain event channel to console/port;
//  - offers it on a new pty whose path goes to console/tty (console/type "xenconsoled" is
//    written when missing), logging to <log dir>/guest-<name>.log.
// A domain is dropped (ring unmapped, port unbound, pty and log closed) when getdomaininfo
// says it is dying or gone; without a hypervisor to ask, when /local/domain/N disappears.
// Everything runs on one Boost.Asio event loop; all devices are the dom0 libraries'
// interfaces, so the host tests run it against their fakes.
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio's awaitable.hpp uses std::exchange without it
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "console.hpp"
#include "console_store.hpp"
#include "hvcall/hypervisor.hpp"

namespace tessera::consoled {

/// The devices; only `events` is required. Null `grants` or `foreign`: that way of mapping the
/// page is not tried. Null `hv`: domain lifetime is read from xenstore alone.
struct Devices {
    xen::EventChannels& events;
    xen::GrantMapper* grants = nullptr;
    xen::ForeignMemory* foreign = nullptr;
    xen::Hypervisor* hv = nullptr;
};

struct Options {
    std::string log_dir = "/var/log/xen/console";
    Limits limits;
    /// One line per message (default: stderr, prefixed "tessera-consoled: ").
    std::function<void(const std::string&)> log;
    /// Called when the daemon cannot go on (xenstore or the event-channel device failed); by
    /// default the event loop is stopped.
    std::function<void(const std::string&)> fatal;
};

class Daemon {
public:
    Daemon(asio::io_context& io, Devices devices, ConsoleStore& store, Options options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Create the log directory, set the watches, look at every domain, start the loops.
    xen::Result<void> start();
    /// Close every console and stop the loops.
    void stop();
    /// Look at /local/domain again: new domains are connected, dead ones dropped.
    void rescan();
    /// Reopen every log file (SIGHUP, after an outside log rotation).
    void reopen_logs();

    /// The console of a domain, if connected once (its ring may be detached since).
    std::shared_ptr<Console> console(domid_t domid) const;
    /// Domains we know of (found in /local/domain and alive).
    std::set<domid_t> domains() const;

private:
    struct Domain {
        domid_t id = 0;
        std::shared_ptr<Console> console;
        std::optional<RingKey> failed;  ///< the last key we could not connect (said once)
    };

    void say(const std::string& line) const;
    void say_once(const std::string& key, const std::string& line);
    bool alive(domid_t id, bool in_store);
    void evaluate(Domain& d);
    bool connect(Domain& d, const RingKey& key);
    void connect_failed(Domain& d, const RingKey& key, const std::string& why);
    std::shared_ptr<Console> make_console(domid_t id);
    void remove(domid_t id);
    bool process_store();
    void fail(const std::string& why);
    void handle(const std::vector<xs::WatchEvent>& events);
    void handle_fired(const std::vector<evtchn_port_t>& ports);
    asio::awaitable<void> event_loop(std::shared_ptr<bool> alive);
    asio::awaitable<void> store_loop(std::shared_ptr<bool> alive);

    asio::io_context& io_;
    Devices devices_;
    ConsoleStore& store_;
    Options options_;
    asio::posix::stream_descriptor event_fd_;
    asio::posix::stream_descriptor store_fd_;
    std::map<domid_t, Domain> domains_;
    std::map<evtchn_port_t, domid_t> ports_;
    std::set<std::string> said_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool started_ = false;
    bool stopped_ = false;
};

/// "guest-<name>.log" for a domain name from xenstore, with anything but letters, digits and
/// ".-_+" replaced by '_' (an empty, "." or ".." name becomes "dom<domid>").
std::string log_file_name(const std::string& name, domid_t domid);

}  // namespace tessera::consoled
