// Toolstack operations end to end over FakeXen and xenstored's core: create, lookup, destroy,
// rename, shutdown requests, and the cleanup of failed builds.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "toolstack_fixture.h"

using namespace tessera::toolstack;
using tessera::test::FakeXen;
using tessera::test::ToolstackWorld;

TEST_CASE("toolstack: create builds, starts and registers the domain") {
    ToolstackWorld w;
    const DomainConfig config = tessera::test::guest_config();
    auto created = w.ts.create(config, config_userdata(tessera::test::kGuestCfg, {}, config.uuid),
                               w.files(), false);
    REQUIRE(created.has_value());
    CHECK(created->warnings.empty());
    const DomId dom = created->build.domid;
    REQUIRE(dom == 1);

    auto& d = w.xen.dom(1);
    CHECK_FALSE(d.paused);
    CHECK(d.max_memkb == 32 * 1024 + 1024);
    CHECK(d.vcpus[0].online);
    CHECK_FALSE(d.vcpus[1].online);
    CHECK(d.vcpus[0].context.user_regs.pc64 == GUEST_RAM0_BASE);
    const auto& layout = created->build.layout;
    CHECK(d.vcpus[0].context.user_regs.x0 == layout.dtb.base);
    // The kernel and the device tree are in guest memory.
    const auto image = tessera::test::kernel_image();
    CHECK(w.xen.read_guest(1, GUEST_RAM0_BASE, image.size()) == image);
    const auto dtb = w.xen.read_guest(1, layout.dtb.base, 4);
    REQUIRE(dtb.size() == 4);
    CHECK(std::to_integer<uint8_t>(dtb[0]) == 0xd0);
    // Console and xenstore rings, their event channels and grants.
    CHECK(d.params.at(HVM_PARAM_STORE_PFN) == 0x39001);
    CHECK(d.params.at(HVM_PARAM_CONSOLE_PFN) == 0x39000);
    CHECK(d.params.at(HVM_PARAM_STORE_EVTCHN) == created->build.store_port);
    CHECK(w.xen.world.find(1)->grant(GNTTAB_RESERVED_XENSTORE).frame == 0x39001);

    // xenstore: the domain's nodes, the vif backend, and xenstored knows the domain.
    CHECK(w.xs.value("/local/domain/1/name") == "g");
    CHECK(w.xs.value("/vm/" + config.uuid.str() + "/name") == "g");
    CHECK(w.xs.value("/local/domain/0/backend/vif/1/0/bridge") == "xenbr0");
    CHECK(w.xs.client.get_perms("/local/domain/1/name").value() ==
          std::vector<tessera::xs::Permission>{{0, 'n'}, {1, 'r'}});
    REQUIRE(w.xs.daemon.domains().contains(1));
    CHECK(w.xs.daemon.domains().at(1).mfn == 0x39001);
    CHECK(w.xs.daemon.domains().at(1).port == created->build.store_port);

    // The configuration is kept for `xl list -l` and restarts.
    auto stored = w.ts.stored_config(1, config.uuid);
    REQUIRE(stored.has_value());
    REQUIRE(stored->has_value());
    CHECK((*stored)->name == "g");
    CHECK((*stored)->uuid == config.uuid);
    CHECK((*stored)->vifs.size() == 1);
}

TEST_CASE("toolstack: -p leaves the new domain paused") {
    ToolstackWorld w;
    w.create(tessera::test::guest_config(), true);
    CHECK(w.xen.dom(1).paused);
}

TEST_CASE("toolstack: domains are found by id or name") {
    ToolstackWorld w;
    w.create(tessera::test::guest_config());
    CHECK(w.ts.resolve("g").value() == 1);
    CHECK(w.ts.resolve("1").value() == 1);
    CHECK(w.ts.resolve("0").value() == 0);
    CHECK(w.ts.resolve("Domain-0").value() == 0);  // dom0 without a name in xenstore
    CHECK(w.ts.name_of(0).value() == std::optional<std::string>("Domain-0"));
    CHECK(w.ts.resolve("7").error().message == "domain 7 does not exist");
    CHECK(w.ts.resolve("nope").error().message == "no domain is named \"nope\"");
    CHECK_FALSE(w.ts.resolve("99999").has_value());
    // Xen's getdomaininfo answers with the next domain: 1 is not 0.
    w.xen.domains.erase(0);
    CHECK(w.ts.resolve("0").error().message == "domain 0 does not exist");
}

TEST_CASE("toolstack: a second domain with the same name is refused up front") {
    ToolstackWorld w;
    w.create(tessera::test::guest_config());
    auto again = w.ts.create(tessera::test::guest_config(), "", w.files(), false);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message == "domain \"g\" already exists (id 1)");
    CHECK(w.xen.domains.size() == 2);
}

TEST_CASE("toolstack: a guest larger than the free memory is refused before any domctl") {
    ToolstackWorld w;
    auto config = tessera::test::guest_config();
    const uint64_t need_pages = config.target_memkb / 4;
    w.xen.free_pages = need_pages - 1;
    auto r = w.ts.create(config, "", w.files(), false);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "memory: the guest needs " +
                                   std::to_string(config.target_memkb / 1024) + " MiB but only " +
                                   std::to_string((need_pages - 1) / 256) +
                                   " MiB are free in the hypervisor");
    CHECK(w.xen.domains.size() == 1);  // dom0 only: nothing was created
    w.xen.free_pages = need_pages;
    auto fits = w.ts.create(config, "", w.files(), false);
    CHECK(fits.has_value());
    if (!fits) FAIL(fits.error().message);
}

TEST_CASE("toolstack: a build failing after xenstore was written leaves nothing behind") {
    ToolstackWorld w;
    // xenstored already serves a domain 1 with another ring: INTRODUCE fails with EEXIST.
    REQUIRE(w.xs.daemon.introduce(1, 5, 5, false) == 0);
    auto r = w.ts.create(tessera::test::guest_config(), "", w.files(), false);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.starts_with("introduce domain: XS_INTRODUCE: EEXIST"));
    CHECK(w.xen.domains.size() == 1);
    CHECK(w.xen.destroyed == std::vector<domid_t>{1});
    CHECK_FALSE(w.xs.exists("/local/domain/1"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vif/1"));
    CHECK_FALSE(w.xs.exists("/libxl/1"));
    CHECK(std::filesystem::is_empty(w.dir.path()));
}

TEST_CASE("toolstack: a failing hypercall destroys the half-built domain") {
    ToolstackWorld w;
    w.xen.fail_domctl[XEN_DOMCTL_setvcpucontext] = EPERM;
    auto r = w.ts.create(tessera::test::guest_config(), "", w.files(), false);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.starts_with("set vcpu context: XEN_DOMCTL_setvcpucontext: "));
    CHECK(w.xen.destroyed == std::vector<domid_t>{1});
    CHECK_FALSE(w.xs.exists("/local/domain/1"));
}

TEST_CASE("toolstack: destroy undoes everything, in order") {
    ToolstackWorld w;
    const DomainConfig config = tessera::test::guest_config();
    const DomId dom = w.create(config);
    auto watcher = w.xs.connect();
    REQUIRE(watcher.watch("@releaseDomain", "t"));
    REQUIRE(watcher.wait_watch_for(std::chrono::milliseconds(0)).value());  // initial event
    w.xen.destroy_eagain = 2;

    REQUIRE(w.ts.destroy(dom));
    const std::vector<std::string> gone{"/local/domain/1", "/vm/" + config.uuid.str(), "/libxl/1",
                                        "/local/domain/0/backend/vif/1",
                                        "/local/domain/0/backend/console/1"};
    for (const std::string& path : gone) {
        CHECK_FALSE(w.xs.exists(path));
    }
    CHECK(w.xs.exists("/local/domain/0/backend/vif"));  // other domains' backends stay
    CHECK_FALSE(w.xs.daemon.domains().contains(1));     // RELEASE sent
    auto fired = watcher.wait_watch_for(std::chrono::milliseconds(0));
    REQUIRE(fired.value());
    CHECK(fired.value()->path == "@releaseDomain");
    CHECK(w.xen.destroyed == std::vector<domid_t>{1});
    CHECK(std::filesystem::is_empty(w.dir.path()));
    // The domain was paused before its nodes went away: the domctl order says so.
    std::vector<uint32_t> cmds;
    for (const auto& op : w.xen.hv.domctls()) cmds.push_back(op.cmd);
    REQUIRE(cmds.size() >= 4);
    CHECK(std::vector<uint32_t>(cmds.end() - 4, cmds.end()) ==
          std::vector<uint32_t>{XEN_DOMCTL_pausedomain, XEN_DOMCTL_destroydomain,
                                XEN_DOMCTL_destroydomain, XEN_DOMCTL_destroydomain});
    CHECK(w.ts.destroy(dom).error().message == "domain 1 does not exist");
}

TEST_CASE("toolstack: rename checks the name and updates xenstore and the stored config") {
    ToolstackWorld w;
    const DomainConfig config = tessera::test::guest_config();
    const DomId dom = w.create(config);
    REQUIRE(w.ts.rename(dom, "web"));
    CHECK(w.xs.value("/local/domain/1/name") == "web");
    CHECK(w.xs.value("/vm/" + config.uuid.str() + "/name") == "web");
    CHECK(w.ts.stored_config(dom, config.uuid).value()->name == "web");
    CHECK(w.ts.resolve("web").value() == 1);
    CHECK(w.ts.rename(dom, "Domain-0").error().message == "domain 0 is already named \"Domain-0\"");
    CHECK_FALSE(w.ts.rename(dom, "42"));
    CHECK_FALSE(w.ts.rename(dom, ""));
    CHECK(w.ts.rename(dom, "web"));  // its own name again is fine
}

TEST_CASE("toolstack: shutdown requests go through control/shutdown") {
    ToolstackWorld w;
    const DomId dom = w.create(tessera::test::guest_config());
    using std::chrono::milliseconds;
    // Nobody answers: an error without -F...
    auto refused = w.ts.request_shutdown(dom, ControlRequest::kPoweroff, milliseconds(0), false);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.starts_with("domain 1 did not acknowledge the poweroff request"));
    CHECK(w.xs.value("/local/domain/1/control/shutdown") == "poweroff");
    // ... and SCHEDOP_remote_shutdown with it.
    REQUIRE(w.ts.request_shutdown(dom, ControlRequest::kReboot, milliseconds(0), true).value());
    CHECK(w.xs.value("/local/domain/1/control/shutdown") == "reboot");
    CHECK(w.xen.dom(1).shutdown);
    CHECK(w.xen.dom(1).reason == SHUTDOWN_reboot);
    // A guest that has shut down needs no acknowledgement.
    CHECK_FALSE(
        w.ts.request_shutdown(dom, ControlRequest::kPoweroff, milliseconds(50), false).value());
}

TEST_CASE("toolstack: config userdata parses back to the same domain") {
    const DomainConfig config = tessera::test::guest_config();
    const std::vector<std::string> overrides{"memory=48", "name=\"h\""};
    const std::string text = config_userdata("name = 'g'\nkernel = '/k'", overrides, config.uuid);
    auto again = parse_domain_config(text, "userdata");
    REQUIRE(again.has_value());
    CHECK(again->config.name == "h");
    CHECK(again->config.target_memkb == 48 * 1024);
    CHECK(again->config.uuid == config.uuid);
}

TEST_CASE("toolstack: destroy ignores backend paths a guest rewrote in its frontend") {
    ToolstackWorld w;
    const DomId one = w.create(tessera::test::guest_config());
    DomainConfig second = tessera::test::guest_config("name = 'h'\n");
    second.uuid = Uuid::random();
    const DomId two = w.create(second);
    // Frontend nodes belong to the guest: domain 1 points its vif at domain 2's backend and
    // its vm node cannot be changed (read-only), but its frontend can.
    REQUIRE(w.xs.client.write("/local/domain/1/device/vif/0/backend",
                              "/local/domain/0/backend/vif/2/0"));
    REQUIRE(w.xs.client.write("/local/domain/1/device/vif/1/backend", "/local/domain/0"));
    REQUIRE(w.ts.destroy(one));
    CHECK(w.xs.exists("/local/domain/0/backend/vif/2/0"));
    CHECK(w.xs.exists("/local/domain/0"));
    CHECK(w.xs.exists("/local/domain/2/name"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vif/1"));
    CHECK(w.ts.resolve("h").value() == two);
}
