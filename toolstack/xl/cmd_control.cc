// Commands that change a domain's state: destroy, shutdown, reboot, pause, unpause.
#include <iostream>
#include <memory>

#include "toolstack/monitor_host.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

/// How long a guest has to take a control/shutdown request (libxl's timeout).
constexpr std::chrono::seconds kAckTimeout{60};
/// After a shutdown, how long `-w` waits for the domain's monitor to destroy it.
constexpr std::chrono::seconds kDestroyGrace{10};

struct ShutdownOptions {
    std::string domain;
    int wait = 0;  ///< -w once: shut down or destroyed; twice: destroyed
    bool all = false;
    bool fallback = false;
};

void shutdown_or_reboot(const ShutdownOptions& o, ts::ControlRequest request) {
    if (o.domain.empty() && !o.all) throw Failure("you must specify -a or a domain id");
    auto s = Session::open();
    std::vector<ts::DomId> doms;
    if (o.all) {
        for (const ts::DomainInfo& d : check(s->ts().control().list())) {
            if (d.domid != 0 && !d.dying) doms.push_back(d.domid);
        }
    } else {
        doms.push_back(s->resolve(o.domain));
    }
    // Watch before asking, so that a quick guest cannot be missed.
    ts::XsDomainWatch watch(s->ts());
    if (o.wait > 0) check(watch.start());
    const bool poweroff = request == ts::ControlRequest::kPoweroff;
    for (ts::DomId dom : doms) {
        std::cerr << (poweroff ? "Shutting down domain " : "Rebooting domain ") << dom << "\n";
        const bool forced = check(s->ts().request_shutdown(dom, request, kAckTimeout, o.fallback),
                                  poweroff ? "shutdown" : "reboot");
        if (forced) {
            std::cerr << "PV control interface not available: asked the hypervisor to "
                      << (poweroff ? "shut down" : "reboot") << " domain " << dom << ".\n";
        }
    }
    if (o.wait == 0) return;
    std::cerr << "Waiting for " << doms.size() << " domains\n";
    for (ts::DomId dom : doms) {
        const auto outcome = check(ts::wait_for_death(watch, dom, o.wait > 1, kDestroyGrace));
        if (outcome.destroyed) {
            std::cerr << "Domain " << dom << " has been destroyed\n";
        } else {
            std::cerr << "Domain " << dom << " has been shut down, reason code " << outcome.reason
                      << "\n";
        }
    }
}

void add_shutdown_command(CLI::App& app, const char* name, const char* summary,
                          ts::ControlRequest request) {
    auto o = std::make_shared<ShutdownOptions>();
    auto* cmd = app.add_subcommand(name, summary);
    cmd->add_flag("-a,--all", o->all, "Signal all guest domains");
    cmd->add_flag("-w,--wait", o->wait,
                  "Wait for the guest(s) to shut down (twice: to be destroyed)");
    cmd->add_flag("-F", o->fallback,
                  "Ask the hypervisor to do it when the guest does not acknowledge the request");
    cmd->add_option("domain", o->domain, "Domain id or name")->excludes(cmd->get_option("--all"));
    cmd->callback([o, request] { shutdown_or_reboot(*o, request); });
}

}  // namespace

void register_control_commands(CLI::App& app) {
    auto destroy = std::make_shared<std::pair<std::string, bool>>();
    auto* destroy_cmd = app.add_subcommand("destroy", "Terminate a domain immediately");
    destroy_cmd->add_flag("-f", destroy->second, "Permit destroying domain 0");
    destroy_cmd->add_option("domain", destroy->first, "Domain id or name")->required();
    destroy_cmd->callback([destroy] {
        auto s = Session::open();
        const ts::DomId dom = s->resolve(destroy->first);
        if (dom == 0 && !destroy->second) {
            throw Failure("not destroying domain 0; use -f to force");
        }
        check(s->ts().destroy(dom), "destroy");
    });

    add_shutdown_command(app, "shutdown", "Issue a shutdown signal to a domain",
                         ts::ControlRequest::kPoweroff);
    add_shutdown_command(app, "reboot", "Issue a reboot signal to a domain",
                         ts::ControlRequest::kReboot);

    for (bool pause : {true, false}) {
        auto domain = std::make_shared<std::string>();
        auto* cmd =
            app.add_subcommand(pause ? "pause" : "unpause",
                               pause ? "Pause execution of a domain" : "Unpause a paused domain");
        cmd->add_option("domain", *domain, "Domain id or name")->required();
        cmd->callback([domain, pause] {
            auto s = Session::open();
            const ts::DomId dom = s->resolve(*domain);
            auto& control = s->ts().control();
            check(pause ? control.pause(dom) : control.unpause(dom), pause ? "pause" : "unpause");
        });
    }
}

}  // namespace tessera::xl
