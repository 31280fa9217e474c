// tessera-consoled: command line, devices, daemonizing, signals. The daemon itself is daemon.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "daemon.hpp"
#include "evtchn/event_channels.hpp"
#include "foreignmem/foreign_memory.hpp"
#include "gnttab/grants.hpp"
#include "hvcall/privcmd.hpp"
#include "pty.hpp"

namespace xen = tessera::xen;
namespace xs = tessera::xs;
using namespace tessera::consoled;

namespace {

/// Fork; the parent waits until the child says it is running (one byte on a pipe: its exit
/// status) and exits with it, so that `tessera-consoled && echo started` works from an init
/// script. Returns the child's end of the pipe, or -1 in the parent's place on failure.
int go_to_background() {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        std::perror("tessera-consoled: pipe");
        std::exit(1);
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("tessera-consoled: fork");
        std::exit(1);
    }
    if (pid > 0) {
        ::close(pipe_fds[1]);
        char status = 1;
        ssize_t n;
        do n = ::read(pipe_fds[0], &status, 1);
        while (n < 0 && errno == EINTR);
        std::_Exit(n == 1 ? status : 1);  // no byte: the child failed (it said why on stderr)
    }
    ::close(pipe_fds[0]);
    ::setsid();
    return pipe_fds[1];
}

/// Detach from the terminal: stdin from /dev/null, stdout and stderr to `log_path`.
void detach_stdio(const std::string& log_path) {
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (out < 0) out = null;
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
    }
    if (out >= 0 && out != null) ::close(out);
    if (null >= 0) ::close(null);
    [[maybe_unused]] const int ignored = ::chdir("/");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Tessera consoled: guest consoles on ptys and in log files (like xenconsoled)"};
    Options options;
    std::string pid_file;
    std::string daemon_log;
    std::string xenstore = xs::default_socket_path();
    bool foreground = false;
    app.add_option("--log-dir", options.log_dir, "Directory of the guest-<name>.log files")
        ->capture_default_str();
    app.add_option("--log-max-size", options.limits.log_max_bytes,
                   "Bytes per guest log before it is rotated to .old (0: no limit)")
        ->capture_default_str();
    app.add_option("--pid-file", pid_file, "Write the daemon's pid here once it runs");
    app.add_flag("-F,-i,--foreground,--interactive", foreground,
                 "Stay in the foreground (default: go to the background once set up)");
    app.add_option("--daemon-log", daemon_log,
                   "Where the daemon's own messages go in the background "
                   "(default: <log-dir>/consoled.log)");
    app.add_option("--xenstore", xenstore, "xenstored's socket")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    if (daemon_log.empty()) daemon_log = options.log_dir + "/consoled.log";

    const int ready_fd = foreground ? -1 : go_to_background();
    std::signal(SIGPIPE, SIG_IGN);
    const auto die = [](const std::string& why) {
        std::fprintf(stderr, "tessera-consoled: %s\n", why.c_str());
        return 1;
    };

    // Devices: event channels are needed; the page is mapped by gntdev or privcmd.
    auto events = xen::DeviceEventChannels::open();
    if (!events) return die(events.error().message);
    std::unique_ptr<xen::DeviceGrantMapper> grants;
    std::unique_ptr<xen::PrivcmdForeignMemory> foreign;
    std::unique_ptr<xen::Privcmd> hv;
    if (auto g = xen::DeviceGrantMapper::open()) {
        grants = std::make_unique<xen::DeviceGrantMapper>(std::move(*g));
    } else {
        std::fprintf(stderr, "tessera-consoled: %s: no grant mapping\n", g.error().message.c_str());
    }
    if (auto f = xen::PrivcmdForeignMemory::open()) {
        foreign = std::make_unique<xen::PrivcmdForeignMemory>(std::move(*f));
    }
    if (auto h = xen::Privcmd::open()) {
        hv = std::make_unique<xen::Privcmd>(std::move(*h));
    } else {
        std::fprintf(stderr, "tessera-consoled: %s: domain lifetime from xenstore only\n",
                     h.error().message.c_str());
    }
    if (!grants && !foreign)
        return die("neither gntdev nor privcmd: console pages cannot be mapped");
    if (auto devpts = ensure_devpts(); !devpts) {
        return die("no ptys: " + devpts.error().message);
    } else if (!devpts->empty()) {
        std::fprintf(stderr, "tessera-consoled: %s\n", devpts->c_str());
    }
    auto client = xs::Client::open(xenstore);
    if (!client) return die("xenstore " + xenstore + ": " + client.error().message);
    XsConsoleStore store(std::move(*client));

    boost::asio::io_context io;
    int status = 0;
    options.fatal = [&](const std::string&) {
        status = 1;
        io.stop();
    };
    Daemon daemon(io, Devices{*events, grants.get(), foreign.get(), hv.get()}, store, options);
    if (auto started = daemon.start(); !started) return die(started.error().message);

    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        daemon.stop();
        io.stop();
    });
    boost::asio::signal_set hangup(io, SIGHUP);
    std::function<void()> on_hangup = [&] {
        hangup.async_wait([&](const boost::system::error_code& ec, int) {
            if (ec) return;
            daemon.reopen_logs();
            on_hangup();
        });
    };
    on_hangup();

    if (!pid_file.empty()) std::ofstream(pid_file) << ::getpid() << "\n";
    if (ready_fd >= 0) {
        detach_stdio(daemon_log);
        const char ok = 0;
        [[maybe_unused]] const auto n = ::write(ready_fd, &ok, 1);
        ::close(ready_fd);
    }
    io.run();
    daemon.stop();
    if (!pid_file.empty()) std::filesystem::remove(pid_file);
    return status;
}
