// `xl console`: attach the terminal to a domain's console pty, which the console backend
// (tessera-consoled, like xenconsoled) names in xenstore. Ctrl-] detaches. Behaves like Xen's
// xenconsole client: it waits a few seconds for the pty to appear and stops when its xenstore
// node goes away (the domain was destroyed).
#pragma once

#include <termios.h>

#include <atomic>
#include <chrono>
#include <string>

#include "hvcall/error.hpp"
#include "toolstack/hypervisor.h"
#include "xs/client.hpp"

namespace tessera::toolstack {

enum class ConsoleType { kPv, kSerial, kVuart };

/// Where the backend writes the pty: /local/domain/N/console/tty for PV console 0,
/// .../device/console/NUM/tty for the others, .../serial/NUM/tty, .../vuart/0/tty.
std::string console_tty_path(DomId dom, ConsoleType type, unsigned num);

/// The detach key (Ctrl-], as in xenconsole).
inline constexpr char kConsoleEscape = 0x1d;

/// Puts a terminal in raw mode and restores its settings on destruction (or restore()).
class RawTerminal {
public:
    /// Does nothing if `fd` is not a terminal.
    explicit RawTerminal(int fd);
    ~RawTerminal() { restore(); }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool active() const { return active_; }
    void restore();

private:
    int fd_;
    bool active_ = false;
    termios saved_{};
};

enum class ConsoleEnd {
    kDetached,  ///< the user typed Ctrl-]
    kClosed,    ///< the console went away (domain destroyed) or input ended
    kStopped,   ///< `stop` was set (a signal)
};

class ConsoleClient {
public:
    ConsoleClient(xs::Client& xs, std::string tty_path) : xs_(xs), path_(std::move(tty_path)) {}
    ~ConsoleClient();
    ConsoleClient(const ConsoleClient&) = delete;
    ConsoleClient& operator=(const ConsoleClient&) = delete;

    /// Watches the tty node and waits up to `timeout` for it to name a pty that opens.
    Result<void> connect(std::chrono::milliseconds timeout);
    /// Relays `in` to the console and the console to `out` until Ctrl-], the end of the
    /// console or of `in`, or `stop`.
    Result<ConsoleEnd> run(int in, int out, const std::atomic<bool>* stop = nullptr);

private:
    /// Re-reads the tty node: opens a new pty if it names one; false when it names none.
    bool refresh();
    void close_pty();

    xs::Client& xs_;
    std::string path_;
    std::string pty_path_;
    xen::UniqueFd pty_;
    bool watching_ = false;
};

}  // namespace tessera::toolstack
