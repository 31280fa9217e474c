// What happens after `xl create`: a monitor (one background process per domain, like xl's)
// waits for the domain to shut down and applies on_poweroff/on_reboot/on_crash/...; it ends
// when the domain is destroyed by someone else (`xl destroy`). Also the wait behind
// `xl shutdown -w`. The decisions are pure functions; the waiting goes through DomainWatch.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "toolstack/domain_config.h"
#include "toolstack/domain_control.h"

namespace tessera::toolstack {

/// Where a domain is in its life, as the monitor sees it.
enum class DomainPhase {
    kAlive,     ///< running, blocked or paused
    kShutdown,  ///< shut down (reason known), not yet destroyed
    kGone,      ///< destroyed: no such domain, or dying
};

struct Observation {
    DomainPhase phase = DomainPhase::kGone;
    unsigned reason = 0;  ///< SHUTDOWN_* when phase is kShutdown
};

Observation observe(const std::optional<DomainInfo>& info);

/// What the monitor does about a shut-down domain.
enum class MonitorAction {
    kDestroy,        ///< destroy, then exit
    kRestart,        ///< destroy, then create again from the same configuration
    kRenameRestart,  ///< keep the old domain under a new name, create a new one
    kPreserve,       ///< leave it shut down, exit
    kExit,           ///< nothing to do (a suspended domain), exit
};

struct Decision {
    MonitorAction action = MonitorAction::kDestroy;
    std::string log;  ///< one line for the monitor's log
};

/// libxl's choice for a shutdown reason: on_poweroff, on_reboot, on_crash, on_watchdog,
/// on_soft_reset; coredump-* act as their plain forms (no core dumps here), soft-reset as
/// restart; an unknown reason destroys.
Decision decide(const DomainConfig& config, unsigned reason);

/// The name a rename-restart gives the old domain: NAME-YYYYMMDDTHHMMZ (as xl does).
std::string preserved_name(std::string_view name, std::time_t now);

/// Domain state and a way to sleep until it may have changed.
class DomainWatch {
public:
    virtual ~DomainWatch() = default;
    virtual Result<std::optional<DomainInfo>> info(DomId dom) = 0;
    /// Returns after a domain event (@releaseDomain) or `timeout`, whichever comes first.
    virtual Result<void> wait(std::chrono::milliseconds timeout) = 0;
};

/// What the monitor needs besides watching.
class MonitorHost : public DomainWatch {
public:
    virtual Result<void> destroy(DomId dom) = 0;
    /// Creates a domain from `config` again; returns its id.
    virtual Result<DomId> create(const DomainConfig& config) = 0;
    virtual Result<void> rename(DomId dom, const std::string& name) = 0;
    virtual void log(std::string_view line) = 0;
    virtual void sleep(std::chrono::milliseconds d) = 0;
};

struct MonitorOptions {
    std::chrono::milliseconds poll{1000};           ///< re-check at least this often
    std::chrono::milliseconds restart_delay{2000};  ///< xl waits 2 s before re-creating
};

/// Watches `dom` until there is nothing more to do. Returns an error when an action failed.
Result<void> run_monitor(MonitorHost& host, DomId dom, DomainConfig config,
                         const MonitorOptions& options = {});

/// How `xl shutdown -w` ended for one domain.
struct WaitOutcome {
    bool destroyed = false;  ///< false: shut down (and still there)
    unsigned reason = 0;     ///< shutdown reason when known
};

/// Waits for `dom` to shut down or be destroyed. With `until_destroyed` (xl -ww), waits for
/// destruction only; otherwise, once it is shut down, waits up to `grace` for its monitor to
/// destroy it and reports whichever came last.
Result<WaitOutcome> wait_for_death(
    DomainWatch& watch, DomId dom, bool until_destroyed, std::chrono::milliseconds grace,
    std::chrono::milliseconds poll = std::chrono::milliseconds(1000));

}  // namespace tessera::toolstack
