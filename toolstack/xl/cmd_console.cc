// xl console: the terminal attached to a domain's console pty until Ctrl-].
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

/// How long to wait for the console backend to publish the pty (xenconsole waits 5 s; a
/// domain created with -c needs the backend to notice it first).
constexpr std::chrono::seconds kTtyWait{10};

std::atomic<bool> g_stop{false};

void on_signal(int) {
    g_stop = true;
}

/// Sets on_signal for the signals that end a console session, restoring the old handlers.
class SignalGuard {
public:
    SignalGuard() {
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &sa, &saved_[i]);
    }
    ~SignalGuard() {
        for (size_t i = 0; i < std::size(kSignals); ++i)
            ::sigaction(kSignals[i], &saved_[i], nullptr);
    }
    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

private:
    static constexpr int kSignals[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT};
    struct sigaction saved_[std::size(kSignals)]{};
};

struct ConsoleOptions {
    std::string domain;
    std::string type = "pv";
    unsigned num = 0;
};

}  // namespace

int attach_console(Session& session, ts::DomId dom, ts::ConsoleType type, unsigned num) {
    if (dom == 0) throw Failure("console: can't specify Domain-0");
    ts::ConsoleClient client(session.xenstore(), ts::console_tty_path(dom, type, num));
    check(client.connect(kTtyWait), "console");
    SignalGuard signals;
    g_stop = false;
    // Raw mode only for an interactive terminal (as xenconsole); restored on every exit path.
    std::optional<ts::RawTerminal> raw;
    if (::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)) raw.emplace(STDIN_FILENO);
    auto end = client.run(STDIN_FILENO, STDOUT_FILENO, &g_stop);
    raw.reset();
    if (!end) throw Failure("console: " + end.error().message);
    return 0;
}

void register_console_command(CLI::App& app) {
    auto o = std::make_shared<ConsoleOptions>();
    auto* console = app.add_subcommand("console", "Attach to domain's console");
    console->add_option("-t", o->type, "Console type: pv, serial or vuart")
        ->check(CLI::IsMember({"pv", "serial", "vuart"}));
    console->add_option("-n", o->num, "Console number");
    console->add_option("domain", o->domain, "Domain id or name")->required();
    console->callback([o] {
        auto s = Session::open();
        const ts::DomId dom = s->resolve(o->domain);
        const ts::ConsoleType type = o->type == "serial"  ? ts::ConsoleType::kSerial
                                     : o->type == "vuart" ? ts::ConsoleType::kVuart
                                                          : ts::ConsoleType::kPv;
        if (const int status = attach_console(*s, dom, type, o->num); status != 0) {
            throw ExitStatus(status);
        }
    });
}

}  // namespace tessera::xl
