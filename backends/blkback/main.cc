// tessera-blkback: command line, devices, signals. The daemon itself is daemon.hpp. It stays in
// the foreground and logs to stderr (an init script starts it with `&` and redirects).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "daemon.hpp"
#include "evtchn/event_channels.hpp"
#include "gnttab/grants.hpp"

namespace xen = tessera::xen;
namespace xs = tessera::xs;
using namespace tessera::blkback;

int main(int argc, char** argv) {
    CLI::App app{"Tessera blkback: PV block backend for xen-blkfront guests (raw files and "
                 "block devices)"};
    DaemonOptions options;
    std::string pid_file;
    std::string xenstore = xs::default_socket_path();
    unsigned threads = 2;
    bool no_direct = false;
    app.add_option("--threads", threads, "I/O worker threads")
        ->check(CLI::Range(1u, 64u))
        ->capture_default_str();
    app.add_option("--max-queues", options.device.transport.max_queues,
                   "multi-queue-max-queues offered")
        ->check(CLI::Range(1u, 16u))
        ->capture_default_str();
    app.add_option("--max-ring-page-order", options.device.transport.max_ring_page_order,
                   "max-ring-page-order offered")
        ->check(CLI::Range(0u, 4u))
        ->capture_default_str();
    app.add_option("--max-indirect-segments", options.device.max_indirect_segments,
                   "feature-max-indirect-segments offered (0: no indirect requests)")
        ->check(CLI::Range(0u, kMaxIndirectSegmentsLimit))
        ->capture_default_str();
    app.add_flag("--no-direct-io", no_direct, "Never open backing stores O_DIRECT");
    app.add_option("--root", options.root, "xenstore directory of the vbd backends")
        ->capture_default_str();
    app.add_option("--pid-file", pid_file, "Write the daemon's pid here once it runs");
    app.add_option("--xenstore", xenstore, "xenstored's socket")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    options.device.direct_io = !no_direct;

    std::signal(SIGPIPE, SIG_IGN);
    const auto die = [](const std::string& why) {
        std::fprintf(stderr, "tessera-blkback: %s\n", why.c_str());
        return 1;
    };
    auto events = xen::DeviceEventChannels::open();
    if (!events) return die(events.error().message);
    auto grants = xen::DeviceGrantMapper::open();
    if (!grants) return die(grants.error().message);
    auto client = xs::Client::open(xenstore);
    if (!client) return die("xenstore " + xenstore + ": " + client.error().message);
    XsVbdStore store(std::move(*client));

    boost::asio::io_context io;
    PoolExecutor executor(io, threads);
    int status = 0;
    options.fatal = [&](const std::string&) {
        status = 1;
        io.stop();
    };
    Daemon daemon(io, Backends{*grants, *events, executor}, store, options);
    if (auto started = daemon.start(); !started) return die(started.error().message);
    std::fprintf(stderr, "tessera-blkback: watching %s (%u I/O threads)\n", options.root.c_str(),
                 threads);

    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        daemon.stop();
        io.stop();
    });
    if (!pid_file.empty()) std::ofstream(pid_file) << ::getpid() << "\n";
    io.run();
    daemon.stop();
    if (!pid_file.empty()) std::filesystem::remove(pid_file);
    return status;
}
