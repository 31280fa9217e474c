// The monitor's decisions (on_poweroff & co) and its loop, with a scripted host; the real
// host (XsDomainWatch + ToolstackMonitor) over FakeXen and xenstored's core; shutdown -w.
#include "toolstack/monitor.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <functional>

#include "toolstack/monitor_host.h"
#include "toolstack_fixture.h"

using namespace tessera::toolstack;
using std::chrono::milliseconds;

namespace {

DomainConfig config_with(const std::string& settings) {
    return tessera::test::guest_config(settings);
}

DomainInfo alive(DomId dom) {
    DomainInfo d;
    d.domid = dom;
    d.running = true;
    return d;
}

DomainInfo shut(DomId dom, ShutdownReason reason) {
    DomainInfo d;
    d.domid = dom;
    d.shutdown = true;
    d.shutdown_reason = static_cast<unsigned>(reason);
    return d;
}

/// Each wait() moves to the next scripted state of the domain being watched; actions are
/// recorded as text.
class ScriptedHost final : public MonitorHost {
public:
    std::map<DomId, std::deque<std::optional<DomainInfo>>> states;
    std::vector<std::string> actions;
    std::vector<std::string> logs;
    DomId next_domid = 10;
    bool fail_create = false;

    Result<std::optional<DomainInfo>> info(DomId dom) override {
        auto& q = states[dom];
        if (q.empty()) return std::optional<DomainInfo>{};
        return q.front();
    }
    Result<void> wait(milliseconds) override {
        for (auto& [dom, q] : states) {
            if (q.size() > 1) q.pop_front();
        }
        actions.push_back("wait");
        return {};
    }
    Result<void> destroy(DomId dom) override {
        actions.push_back("destroy " + std::to_string(dom));
        states[dom] = {};
        return {};
    }
    Result<DomId> create(const DomainConfig& c) override {
        actions.push_back("create " + c.name);
        if (fail_create) return fail("no memory");
        const DomId dom = next_domid++;
        created_uuids.push_back(c.uuid);
        if (on_create) on_create(dom);
        return dom;
    }
    Result<void> rename(DomId dom, const std::string& name) override {
        actions.push_back("rename " + std::to_string(dom) + " " + name.substr(0, name.find('-')));
        return {};
    }
    void log(std::string_view line) override { logs.emplace_back(line); }
    void sleep(milliseconds) override { actions.push_back("sleep"); }

    std::function<void(DomId)> on_create;
    std::vector<Uuid> created_uuids;
};

}  // namespace

TEST_CASE("monitor: what each shutdown reason does with the configured actions") {
    const DomainConfig c = config_with(
        "on_poweroff = 'destroy'\non_reboot = 'restart'\non_crash = 'preserve'\n"
        "on_watchdog = 'coredump-restart'\non_soft_reset = 'soft-reset'\n");
    CHECK(decide(c, SHUTDOWN_poweroff).action == MonitorAction::kDestroy);
    CHECK(decide(c, SHUTDOWN_poweroff).log == "Action for shutdown reason code 0 is destroy");
    CHECK(decide(c, SHUTDOWN_reboot).action == MonitorAction::kRestart);
    CHECK(decide(c, SHUTDOWN_crash).action == MonitorAction::kPreserve);
    CHECK(decide(c, SHUTDOWN_watchdog).action == MonitorAction::kRestart);
    CHECK(decide(c, SHUTDOWN_soft_reset).action == MonitorAction::kRestart);
    CHECK(decide(c, SHUTDOWN_suspend).action == MonitorAction::kExit);
    CHECK(decide(c, 77).action == MonitorAction::kDestroy);
    CHECK(decide(c, 77).log == "Unknown shutdown reason code 77. Destroying domain.");
    const DomainConfig r = config_with(
        "on_poweroff = 'rename-restart'\non_crash = "
        "'coredump-destroy'\n");
    CHECK(decide(r, SHUTDOWN_poweroff).action == MonitorAction::kRenameRestart);
    CHECK(decide(r, SHUTDOWN_crash).action == MonitorAction::kDestroy);

    CHECK(observe(std::nullopt).phase == DomainPhase::kGone);
    DomainInfo dying = alive(3);
    dying.dying = true;
    CHECK(observe(dying).phase == DomainPhase::kGone);
    CHECK(observe(shut(3, ShutdownReason::kCrash)).reason == SHUTDOWN_crash);
    CHECK(observe(alive(3)).phase == DomainPhase::kAlive);
    CHECK(preserved_name("web", 0) == "web-19700101T0000Z");
}

TEST_CASE("monitor: poweroff with on_poweroff=destroy destroys and exits") {
    ScriptedHost host;
    host.states[5] = {alive(5), alive(5), shut(5, ShutdownReason::kPoweroff)};
    REQUIRE(run_monitor(host, 5, config_with(""), {milliseconds(1), milliseconds(0)}));
    CHECK(host.actions == std::vector<std::string>{"wait", "wait", "destroy 5"});
    CHECK(host.logs.front() == "Waiting for domain g (domid 5) to die");
    CHECK(host.logs[1] == "Domain 5 has shut down, reason code 0 0x0");
    CHECK(host.logs.back() == "Done. Exiting now");
}

TEST_CASE("monitor: reboot restarts from the same configuration, then follows the new domain") {
    ScriptedHost host;
    host.states[5] = {alive(5), shut(5, ShutdownReason::kReboot)};
    // The new domain runs, then is destroyed by `xl destroy`: the monitor ends.
    host.on_create = [&](DomId dom) { host.states[dom] = {alive(dom), std::nullopt}; };
    const DomainConfig c = config_with("");
    REQUIRE(run_monitor(host, 5, c, {milliseconds(1), milliseconds(0)}));
    CHECK(host.actions ==
          std::vector<std::string>{"wait", "destroy 5", "sleep", "create g", "wait"});
    CHECK(host.created_uuids == std::vector<Uuid>{c.uuid});
    CHECK(host.logs.back() == "Domain 10 has been destroyed.");
}

TEST_CASE("monitor: rename-restart keeps the old domain and gives the new one a new UUID") {
    ScriptedHost host;
    host.states[5] = {shut(5, ShutdownReason::kPoweroff)};
    host.on_create = [&](DomId dom) { host.states[dom] = {std::nullopt}; };
    const DomainConfig c = config_with("on_poweroff = 'rename-restart'\n");
    REQUIRE(run_monitor(host, 5, c, {milliseconds(1), milliseconds(0)}));
    CHECK(host.actions == std::vector<std::string>{"rename 5 g", "sleep", "create g"});
    REQUIRE(host.created_uuids.size() == 1);
    CHECK_FALSE(host.created_uuids[0] == c.uuid);
}

TEST_CASE("monitor: preserve, suspend and external destruction end the monitor quietly") {
    ScriptedHost preserve;
    preserve.states[5] = {shut(5, ShutdownReason::kCrash)};
    REQUIRE(run_monitor(preserve, 5, config_with("on_crash = 'preserve'\n")));
    CHECK(preserve.actions.empty());

    ScriptedHost suspend;
    suspend.states[5] = {shut(5, ShutdownReason::kSuspend)};
    REQUIRE(run_monitor(suspend, 5, config_with("")));
    CHECK(suspend.logs[2] == "Domain has suspended.");

    ScriptedHost destroyed;
    destroyed.states[5] = {alive(5), std::nullopt};
    REQUIRE(run_monitor(destroyed, 5, config_with(""), {milliseconds(1), milliseconds(0)}));
    CHECK(destroyed.actions == std::vector<std::string>{"wait"});
    CHECK(destroyed.logs.back() == "Domain 5 has been destroyed.");
}

TEST_CASE("monitor: a failed restart is an error") {
    ScriptedHost host;
    host.fail_create = true;
    host.states[5] = {shut(5, ShutdownReason::kReboot)};
    auto r = run_monitor(host, 5, config_with(""), {milliseconds(1), milliseconds(0)});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "cannot restart domain g: no memory");
}

TEST_CASE("monitor: shutdown -w waits for shutdown, then briefly for destruction") {
    ScriptedHost host;
    host.states[5] = {alive(5), shut(5, ShutdownReason::kPoweroff), std::nullopt};
    auto gone = wait_for_death(host, 5, false, milliseconds(10000), milliseconds(1));
    REQUIRE(gone.has_value());
    CHECK(gone->destroyed);

    ScriptedHost preserved;  // nobody destroys it: -w returns once the grace has passed
    preserved.states[5] = {shut(5, ShutdownReason::kCrash)};
    auto kept = wait_for_death(preserved, 5, false, milliseconds(0), milliseconds(1));
    REQUIRE(kept.has_value());
    CHECK_FALSE(kept->destroyed);
    CHECK(kept->reason == SHUTDOWN_crash);

    ScriptedHost until;  // -ww: only destruction counts
    until.states[5] = {shut(5, ShutdownReason::kPoweroff), shut(5, ShutdownReason::kPoweroff),
                       std::nullopt};
    auto dead = wait_for_death(until, 5, true, milliseconds(0), milliseconds(1));
    CHECK(dead.value().destroyed);
    CHECK(until.actions.size() == 2);
}

TEST_CASE("monitor: the real host restarts a rebooted guest over FakeXen and xenstore") {
    tessera::test::ToolstackWorld w;
    const DomainConfig config = tessera::test::guest_config();
    const DomId dom = w.create(config);
    XsDomainWatch watch(w.ts);
    REQUIRE(watch.start());
    std::vector<std::string> logs;
    // Restarts read the kernel from disk: point the config at a real file.
    tessera::test::TempDir files;
    const std::string kernel = files.path() + "/Image";
    {
        std::ofstream out(kernel, std::ios::binary);
        const auto image = tessera::test::kernel_image();
        out.write(reinterpret_cast<const char*>(image.data()),
                  static_cast<std::streamsize>(image.size()));
    }
    DomainConfig on_disk = config;
    on_disk.kernel = kernel;
    ToolstackMonitor host(w.ts, watch, config_userdata(tessera::test::kGuestCfg, {}, config.uuid),
                          [&](std::string_view l) { logs.emplace_back(l); });

    w.xen.guest_shutdown(dom, SHUTDOWN_reboot);
    // After the restart, the new domain is destroyed "by xl destroy" at the first wait.
    struct DestroyOnWait final : DomainWatch {
        ToolstackMonitor& inner;
        Toolstack& ts;
        explicit DestroyOnWait(ToolstackMonitor& i, Toolstack& t) : inner(i), ts(t) {}
        Result<std::optional<DomainInfo>> info(DomId d) override { return inner.info(d); }
        Result<void> wait(milliseconds t) override {
            if (auto r = ts.destroy(2); !r) return r;
            return inner.wait(t);
        }
    };
    struct Host final : MonitorHost {
        ToolstackMonitor& m;
        DestroyOnWait waits;
        Host(ToolstackMonitor& mon, Toolstack& ts) : m(mon), waits(mon, ts) {}
        Result<std::optional<DomainInfo>> info(DomId d) override { return m.info(d); }
        Result<void> wait(milliseconds t) override { return waits.wait(t); }
        Result<void> destroy(DomId d) override { return m.destroy(d); }
        Result<DomId> create(const DomainConfig& c) override { return m.create(c); }
        Result<void> rename(DomId d, const std::string& n) override { return m.rename(d, n); }
        void log(std::string_view l) override { m.log(l); }
        void sleep(milliseconds) override {}
    } wrapped(host, w.ts);

    REQUIRE(run_monitor(wrapped, dom, on_disk, {milliseconds(1), milliseconds(0)}));
    CHECK(w.xen.destroyed == std::vector<domid_t>{1, 2});
    CHECK(logs.back() == "Domain 2 has been destroyed.");
    CHECK(std::find(logs.begin(), logs.end(), "Done. Rebooting now") != logs.end());
    CHECK_FALSE(w.xs.exists("/local/domain/1"));
    CHECK_FALSE(w.xs.exists("/local/domain/2"));
}
