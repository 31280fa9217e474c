// The per-domain monitor process xl leaves behind after `xl create` (xl's do_daemonize): a
// grandchild in its own session, logging to /var/log/xen/xl-NAME.log.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "toolstack/monitor_host.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

constexpr const char* kLogDir = "/var/log/xen";

/// One log line with a timestamp, to stderr (the log file in the monitor).
void log_line(std::string_view line) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    std::fprintf(stderr, "%s %.*s\n", stamp, static_cast<int>(line.size()), line.data());
    std::fflush(stderr);
}

/// Detaches from the terminal: stdin from /dev/null, stdout and stderr to the log file.
void redirect_to_log(const std::string& name) {
    ::mkdir("/var/log", 0755);
    ::mkdir(kLogDir, 0755);
    const std::string path = std::string(kLogDir) + "/xl-" + name + ".log";
    int log = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) log = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::close(null);
    }
    if (log >= 0) {
        ::dup2(log, STDOUT_FILENO);
        ::dup2(log, STDERR_FILENO);
        ::close(log);
    }
}

/// Closes every descriptor above stderr: the parent's privcmd, hypercall buffers and, above
/// all, its xenstored connection (whose watches nobody would read) stay with the parent.
void close_inherited() {
    if (::close_range(3, ~0U, 0) == 0) return;
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
}

int monitor(Session& session, ts::DomId dom, const ts::DomainConfig& config,
            const std::string& userdata) {
    ts::XsDomainWatch watch(session.ts());
    if (auto r = watch.start(); !r) {
        log_line("monitor of domain " + std::to_string(dom) + ": " + r.error().message);
        return 1;
    }
    ts::ToolstackMonitor host(session.ts(), watch, userdata, log_line);
    auto r = ts::run_monitor(host, dom, config);
    if (!r) {
        log_line("monitor of domain " + std::to_string(dom) + " failed: " + r.error().message);
        return 1;
    }
    return 0;
}

}  // namespace

int run_monitor_here(Session& session, ts::DomId dom, const ts::DomainConfig& config,
                     const std::string& userdata) {
    return monitor(session, dom, config, userdata);
}

void spawn_monitor(ts::DomId dom, const ts::DomainConfig& config, const std::string& userdata) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child < 0) {
        std::cerr << "warning: cannot start the monitor of domain " << dom
                  << ": on_poweroff/on_reboot/on_crash will not be applied\n";
        return;
    }
    if (child > 0) {
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        return;
    }
    // First child: a new session, then a grandchild that init adopts, so nobody must reap it.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    if (::chdir("/") != 0) {
        // stay where we are: nothing depends on the directory
    }
    close_inherited();
    redirect_to_log(config.name);
    int status = 1;
    try {
        auto session = Session::open();
        status = monitor(*session, dom, config, userdata);
    } catch (const std::exception& e) {
        log_line(std::string("monitor of domain ") + std::to_string(dom) + ": " + e.what());
    }
    std::fflush(nullptr);
    ::_exit(status);
}

}  // namespace tessera::xl
