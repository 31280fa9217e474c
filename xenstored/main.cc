// xenstored: command line, event loop, signals. Everything else lives in the library.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "dom_exc.hpp"
#include "domain_rings.hpp"
#include "evtchn/event_channels.hpp"
#include "hvcall/privcmd.hpp"
#include "persist.hpp"
#include "unix_server.hpp"

using namespace tessera::xenstored;

int main(int argc, char** argv) {
    CLI::App app{"Tessera xenstored: the Xen-compatible xenstore daemon"};
    std::string socket_path = "/run/xenstored/socket";
    bool no_rings = false;
    std::string state_file;
    bool restore = false;
    std::string pid_file;
    bool verbose = false;
    Quota quota;
    std::vector<std::string> domain_sockets;
    std::vector<std::string> quota_settings;
    app.add_option("-s,--socket", socket_path, "Unix socket for dom0 tools")->capture_default_str();
    app.add_flag("--no-domain-rings", no_rings,
                 "Host/test mode: serve only the socket; no dom0 ring, INTRODUCE maps nothing");
    app.add_option("--state-file", state_file,
                   "State file written on SIGTERM/SIGINT and on CONTROL save");
    app.add_option("--domain-socket", domain_sockets,
                   "Test aid: DOMID:PATH, a socket whose clients act as unprivileged DOMID")
        ->each([](const std::string& v) {
            if (v.find(':') == std::string::npos) throw CLI::ValidationError("expected DOMID:PATH");
        });
    app.add_flag("--restore", restore, "Load --state-file at start-up if it exists");
    app.add_option("--pid-file", pid_file, "Write the daemon's pid here once listening");
    app.add_flag("-v,--verbose", verbose, "Log every request to stderr");
    app.add_option("-E,--entry-nb", quota.nodes, "Nodes per domain")->capture_default_str();
    app.add_option("-S,--entry-size", quota.node_size, "Bytes per node")->capture_default_str();
    app.add_option("-W,--watch-nb", quota.watches, "Watches per domain")->capture_default_str();
    app.add_option("-t,--transaction", quota.transactions, "Transactions per connection")
        ->capture_default_str();
    app.add_option("-A,--perm-nb", quota.perms, "Permission entries per node")
        ->capture_default_str();
    app.add_option("-M,--path-max", quota.path_max, "Path length below the domain path")
        ->capture_default_str();
    app.add_option("--outstanding", quota.outstanding, "Requests in flight per domain")
        ->capture_default_str();
    app.add_option("--transaction-nodes", quota.transaction_nodes, "Nodes per transaction")
        ->capture_default_str();
    app.add_option("-Q,--quota", quota_settings,
                   "NAME=VALUE, as Xen's -Q (outstanding, transaction-nodes) or any CONTROL "
                   "quota name");
    CLI11_PARSE(app, argc, argv);
    for (const auto& q : quota_settings) {
        const auto eq = q.find('=');
        const auto value = eq == std::string::npos
                               ? std::nullopt
                               : parse_number(std::string_view(q).substr(eq + 1));
        if (!value || !quota.set(std::string_view(q).substr(0, eq), *value)) {
            std::fprintf(stderr, "xenstored: bad --quota %s\n", q.c_str());
            return 2;
        }
    }
    if (restore && state_file.empty()) {
        std::fprintf(stderr, "xenstored: --restore needs --state-file\n");
        return 2;
    }

    boost::asio::io_context io;
    Daemon daemon(quota);
    daemon.verbose = verbose;
    std::unique_ptr<XenDevices> devices;
    std::unique_ptr<DomainRings> rings;
    if (!no_rings) {
        devices = make_linux_xen_devices();
        rings = std::make_unique<DomainRings>(io, *devices);
        daemon.set_connector(rings.get());
        if (const int err = rings->attach_dom0(daemon)) {
            std::fprintf(stderr, "xenstored: cannot attach dom0 ring: %s\n", std::strerror(err));
            return 1;
        }
    }
    // Domain deaths (VIRQ_DOM_EXC + getdomaininfo), when the hypervisor lets us ask.
    namespace xen = tessera::xen;
    std::unique_ptr<xen::Privcmd> privcmd;
    std::unique_ptr<xen::DeviceEventChannels> virq_events;
    std::unique_ptr<DomainExceptionWatch> dom_exc;
    if (!no_rings) {
        const auto unnoticed = [](const std::string& why) {
            std::fprintf(stderr, "xenstored: %s: dead domains will not be noticed\n", why.c_str());
        };
        if (auto hv = xen::Privcmd::open(); !hv) {
            unnoticed(hv.error().message);
        } else if (auto events = xen::DeviceEventChannels::open(); !events) {
            unnoticed(events.error().message);
        } else {
            privcmd = std::make_unique<xen::Privcmd>(std::move(*hv));
            virq_events = std::make_unique<xen::DeviceEventChannels>(std::move(*events));
            dom_exc = std::make_unique<DomainExceptionWatch>(io, daemon, *virq_events, *privcmd);
            if (auto started = dom_exc->start(); !started) {
                unnoticed("VIRQ_DOM_EXC: " + started.error().message);
                dom_exc.reset();
            }
        }
    }
    if (restore) {
        std::string error;
        const int err = load_state_file(daemon, state_file, error);
        if (err != 0 && err != ENOENT) {
            std::fprintf(stderr, "xenstored: %s: %s\n", state_file.c_str(), error.c_str());
            return 1;
        }
        if (rings) rings->kick_all();
        if (dom_exc) dom_exc->check();  // domains may have died while we were away
    }
    if (!state_file.empty()) {
        daemon.save_state = [&] { return save_state_file(daemon, state_file); };
    }

    std::unique_ptr<UnixServer> server;
    try {
        server = std::make_unique<UnixServer>(io, daemon, socket_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xenstored: %s: %s\n", socket_path.c_str(), e.what());
        return 1;
    }
    server->start();
    std::vector<std::unique_ptr<UnixServer>> guest_servers;
    for (const auto& spec : domain_sockets) {
        const auto colon = spec.find(':');
        const auto domid = parse_number(std::string_view(spec).substr(0, colon));
        if (!domid || *domid == 0 || *domid >= 0x7FF0) {
            std::fprintf(stderr, "xenstored: bad --domain-socket %s\n", spec.c_str());
            return 2;
        }
        try {
            guest_servers.push_back(std::make_unique<UnixServer>(io, daemon, spec.substr(colon + 1),
                                                                 static_cast<DomId>(*domid)));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "xenstored: %s: %s\n", spec.c_str(), e.what());
            return 1;
        }
        guest_servers.back()->start();
    }
    if (!pid_file.empty()) std::ofstream(pid_file) << ::getpid() << "\n";

    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (daemon.save_state) {
            if (const int err = daemon.save_state()) {
                std::fprintf(stderr, "xenstored: saving state: %s\n", std::strerror(err));
            }
        }
        server->stop();
        for (auto& g : guest_servers) g->stop();
        if (dom_exc) dom_exc->stop();
        io.stop();
    });
    std::signal(SIGPIPE, SIG_IGN);
    io.run();
    return 0;
}
