// One guest's console: its ring page (xencons_interface, xen/io/console.h) and event channel,
// the pty it is offered on and its log file. Guest output goes to the log and to the pty; pty
// input goes into the guest's input ring. Nothing here may block or spin on the guest's account:
//  - ring indices come from libs/ring's checked readers (an impossible index is EIO: the ring
//    is left alone until the guest notifies again, never read out of bounds);
//  - each turn takes at most Limits::drain_budget bytes, then yields to the event loop;
//  - pty output nobody reads is kept up to Limits::pty_backlog bytes, then dropped, so a guest
//    printing without end is still drained (and logged) at full speed;
//  - a guest notifying more than Limits::events_per_window times per window has its port
//    written back only when the window ends.
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio's awaitable.hpp uses std::exchange without it
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "evtchn/event_channels.hpp"
#include "foreignmem/foreign_memory.hpp"
#include "gnttab/grants.hpp"
#include "log_file.hpp"
#include "pty.hpp"
#include "ring/byte_ring.hpp"  // xencons_interface (xen/io/console.h)

namespace tessera::consoled {

namespace asio = boost::asio;

struct Limits {
    std::size_t drain_budget = 64 * 1024;   ///< guest output taken per turn of the event loop
    std::size_t pty_backlog = 64 * 1024;    ///< held for a slow pty reader; beyond it, dropped
    std::uint64_t log_max_bytes = 1 << 20;  ///< per log file before rotation (0: no limit)
    unsigned events_per_window = 256;       ///< guest notifications served at once per window
    std::chrono::milliseconds window{100};
};

/// Where the guest's ring is: console/ring-ref (a gfn) and console/port in xenstore.
struct RingKey {
    std::uint64_t gfn = 0;
    evtchn_port_t port = 0;
    bool operator==(const RingKey&) const = default;
};

/// A console page mapped through grant ref 0 (GNTTAB_RESERVED_CONSOLE) or a foreign mapping.
struct RingPage {
    xen::GrantPages grant;
    xen::ForeignMapping foreign;
    xencons_interface* page = nullptr;
    const char* how = "";  ///< "grant" or "foreign"
};

struct Counters {
    std::uint64_t output = 0;       ///< bytes taken from the guest's output ring
    std::uint64_t to_pty = 0;       ///< bytes written to the pty
    std::uint64_t pty_dropped = 0;  ///< bytes nobody read in time
    std::uint64_t input = 0;        ///< bytes put into the guest's input ring
    std::uint64_t events = 0;       ///< notifications from the guest
    std::uint64_t throttled = 0;    ///< notifications whose write-back was deferred
    std::uint64_t bad_ring = 0;     ///< times the guest's indices were impossible
};

class Console : public std::enable_shared_from_this<Console> {
public:
    using Log = std::function<void(const std::string&)>;

    Console(asio::io_context& io, domid_t domid, xen::EventChannels& events, Pty pty, LogFile log,
            const Limits& limits, Log say);
    ~Console();
    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;

    /// Start serving the pty (reader and writer coroutines).
    void start();
    /// Detach the ring and stop everything; the pty and log close with the object.
    void stop();

    /// Use this ring from now on (`local_port` bound to the guest's port through `events`).
    void attach(RingPage page, evtchn_port_t local_port, const RingKey& key);
    /// Unbind the port and unmap the page (the pty and the log stay).
    void detach();
    bool attached() const { return ring_.page != nullptr; }
    const RingKey& key() const { return key_; }
    evtchn_port_t local_port() const { return port_; }
    const char* mapped_by() const { return ring_.how; }

    /// The guest notified us (its port was collected from pending()): take its output, give it
    /// input, then write the port back now or, if it notifies too often, when the window ends.
    void on_event();
    /// Take up to one budget of guest output into the log and the pty; EIO for bad indices.
    xen::Result<std::size_t> drain_output();
    /// Move pty input waiting here into the guest's input ring.
    void push_input();

    domid_t domid() const { return domid_; }
    const std::string& tty() const { return pty_.slave_path(); }
    LogFile& log_file() { return log_; }
    const Counters& counters() const { return counters_; }
    /// Output waiting for the pty reader.
    std::size_t backlog() const { return backlog_.size(); }
    /// Input read from the pty, waiting for room in the guest's ring.
    std::size_t input_waiting() const { return input_.size(); }

private:
    void turn();
    void unmask();
    void to_pty(const char* data, std::size_t size);
    void flush_backlog();
    asio::awaitable<void> read_pty();
    asio::awaitable<void> write_pty();
    void note(bool& flag, const std::string& message);

    asio::io_context& io_;
    domid_t domid_;
    xen::EventChannels& events_;
    Pty pty_;
    LogFile log_;
    Limits limits_;
    Log say_;

    RingPage ring_;
    RingKey key_;
    evtchn_port_t port_ = 0;

    asio::posix::stream_descriptor master_;
    asio::steady_timer input_room_;     // wakes the pty reader when the guest made room
    asio::steady_timer backlog_ready_;  // wakes the pty writer when output is waiting
    asio::steady_timer unmask_later_;
    std::chrono::steady_clock::time_point window_start_{};
    unsigned window_events_ = 0;
    bool turn_posted_ = false;
    bool stopped_ = false;

    std::string backlog_;
    std::string input_;
    Counters counters_;
    bool said_bad_output_ = false;
    bool said_bad_input_ = false;
    bool said_log_error_ = false;
};

}  // namespace tessera::consoled
