// The domain monitor's decisions and loop (what xl's create_domain does after daemonizing).
#include "toolstack/monitor.h"

#include <algorithm>
#include <ctime>

namespace tessera::toolstack {
namespace {

std::string reason_text(unsigned reason) {
    return "shutdown reason code " + std::to_string(reason);
}

std::string hex(unsigned v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%x", v);
    return b;
}

}  // namespace

Observation observe(const std::optional<DomainInfo>& info) {
    if (!info || info->dying) return {DomainPhase::kGone, 0};
    if (info->shutdown) return {DomainPhase::kShutdown, info->shutdown_reason};
    return {DomainPhase::kAlive, 0};
}

Decision decide(const DomainConfig& config, unsigned reason) {
    ShutdownAction action;
    switch (static_cast<ShutdownReason>(reason)) {
        case ShutdownReason::kPoweroff:
            action = config.on_poweroff;
            break;
        case ShutdownReason::kReboot:
            action = config.on_reboot;
            break;
        case ShutdownReason::kSuspend:
            return {MonitorAction::kExit, "Domain has suspended."};
        case ShutdownReason::kCrash:
            action = config.on_crash;
            break;
        case ShutdownReason::kWatchdog:
            action = config.on_watchdog;
            break;
        case ShutdownReason::kSoftReset:
            action = config.on_soft_reset;
            break;
        default:
            return {MonitorAction::kDestroy,
                    "Unknown " + reason_text(reason) + ". Destroying domain."};
    }
    std::string log = "Action for " + reason_text(reason) + " is " + std::string(to_string(action));
    switch (action) {
        case ShutdownAction::kDestroy:
            return {MonitorAction::kDestroy, log};
        case ShutdownAction::kRestart:
            return {MonitorAction::kRestart, log};
        case ShutdownAction::kRenameRestart:
            return {MonitorAction::kRenameRestart, log};
        case ShutdownAction::kPreserve:
            return {MonitorAction::kPreserve, log};
        case ShutdownAction::kCoredumpDestroy:
            return {MonitorAction::kDestroy, log + " (core dumps are not supported: destroying)"};
        case ShutdownAction::kCoredumpRestart:
            return {MonitorAction::kRestart, log + " (core dumps are not supported: restarting)"};
        case ShutdownAction::kSoftReset:
            return {MonitorAction::kRestart, log + " (soft reset is not supported: restarting)"};
    }
    return {MonitorAction::kDestroy, log};
}

std::string preserved_name(std::string_view name, std::time_t now) {
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char suffix[24];
    std::strftime(suffix, sizeof suffix, "-%Y%m%dT%H%MZ", &tm);
    return std::string(name) + suffix;
}

Result<void> run_monitor(MonitorHost& host, DomId dom, DomainConfig config,
                         const MonitorOptions& options) {
    host.log("Waiting for domain " + config.name + " (domid " + std::to_string(dom) + ") to die");
    for (;;) {
        auto info = host.info(dom);
        if (!info) return std::unexpected(info.error());
        const Observation seen = observe(*info);
        if (seen.phase == DomainPhase::kGone) {
            host.log("Domain " + std::to_string(dom) + " has been destroyed.");
            return {};
        }
        if (seen.phase == DomainPhase::kAlive) {
            if (auto w = host.wait(options.poll); !w) return w;
            continue;
        }
        host.log("Domain " + std::to_string(dom) + " has shut down, reason code " +
                 std::to_string(seen.reason) + " " + hex(seen.reason));
        const Decision decision = decide(config, seen.reason);
        host.log(decision.log);
        switch (decision.action) {
            case MonitorAction::kExit:
            case MonitorAction::kPreserve:
                host.log("Done. Exiting now");
                return {};
            case MonitorAction::kDestroy:
                host.log("Domain " + std::to_string(dom) +
                         " needs to be cleaned up: destroying the domain");
                if (auto r = host.destroy(dom); !r) return r;
                host.log("Done. Exiting now");
                return {};
            case MonitorAction::kRenameRestart: {
                const std::string kept = preserved_name(config.name, std::time(nullptr));
                host.log("Preserving domain " + std::to_string(dom) + " " + config.name + " as " +
                         kept);
                if (auto r = host.rename(dom, kept); !r) return r;
                // The kept domain keeps the UUID; the new one needs its own.
                config.uuid = Uuid::random();
                break;
            }
            case MonitorAction::kRestart:
                host.log("Domain " + std::to_string(dom) +
                         " needs to be cleaned up: destroying the domain");
                if (auto r = host.destroy(dom); !r) return r;
                break;
        }
        host.log("Done. Rebooting now");
        host.sleep(options.restart_delay);
        auto created = host.create(config);
        if (!created) {
            return fail("cannot restart domain " + config.name + ": " + created.error().message);
        }
        dom = *created;
        host.log("Waiting for domain " + config.name + " (domid " + std::to_string(dom) +
                 ") to die");
    }
}

Result<WaitOutcome> wait_for_death(DomainWatch& watch, DomId dom, bool until_destroyed,
                                   std::chrono::milliseconds grace,
                                   std::chrono::milliseconds poll) {
    std::optional<std::chrono::steady_clock::time_point> shut_since;
    unsigned reason = 0;
    for (;;) {
        auto info = watch.info(dom);
        if (!info) return std::unexpected(info.error());
        const Observation seen = observe(*info);
        if (seen.phase == DomainPhase::kGone) return WaitOutcome{true, reason};
        if (seen.phase == DomainPhase::kShutdown) {
            reason = seen.reason;
            const auto now = std::chrono::steady_clock::now();
            if (!shut_since) shut_since = now;
            if (!until_destroyed && now - *shut_since >= grace) return WaitOutcome{false, reason};
        }
        std::chrono::milliseconds timeout = poll;
        if (shut_since && !until_destroyed) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                grace - (std::chrono::steady_clock::now() - *shut_since));
            timeout = std::max(std::chrono::milliseconds(0), std::min(timeout, left));
        }
        if (auto w = watch.wait(timeout); !w) return std::unexpected(w.error());
    }
}

}  // namespace tessera::toolstack
