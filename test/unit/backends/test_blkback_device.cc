// The blkback daemon and its xenbus state machine against the fake xenstore and fake guests:
// what the toolstack writes (toolstack/lib/xenstore_layout.cc), what blkfront writes, and what
// each side must see.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>

#include "blkback_rig.hpp"
#include "daemon.hpp"
#include "frontend_params.hpp"
#include "vbd_config.hpp"

using namespace tessera::blkback;
using namespace tessera::blkback::test;

namespace {

constexpr std::uint32_t kDevid = 51712;  // xvda

struct DaemonRig {
    DaemonRig() {
        options.log = [this](const std::string& s) { said.push_back(s); };
        options.fatal = [this](const std::string& s) { fatal = s; };
        daemon = std::make_unique<Daemon>(io, Backends{world.grants, world.events, executor},
                                          store, options);
    }
    ~DaemonRig() {
        daemon.reset();
        io.restart();
        io.poll();
    }
    static std::string back(domid_t d) {
        return "/local/domain/0/backend/vbd/" + std::to_string(d) + "/" + std::to_string(kDevid);
    }
    static std::string front(domid_t d) {
        return "/local/domain/" + std::to_string(d) + "/device/vbd/" + std::to_string(kDevid);
    }
    /// What xl block-attach writes.
    void attach(domid_t d, const std::string& params, const std::string& mode = "w",
                const std::string& type = "phy") {
        const std::string f = front(d), b = back(d);
        store.set(f + "/backend", b);
        store.set(f + "/backend-id", "0");
        store.set(f + "/state", "1");
        store.set(f + "/virtual-device", std::to_string(kDevid));
        store.set(f + "/device-type", "disk");
        for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
                 {"frontend", f}, {"frontend-id", std::to_string(d)}, {"online", "1"},
                 {"removable", "0"}, {"bootable", "1"}, {"dev", "xvda"}, {"type", type},
                 {"mode", mode}, {"device-type", "disk"}, {"params", params}, {"state", "1"}}) {
            store.set(b + "/" + k, v);
        }
    }
    /// What blkfront writes when it sees InitWait (one queue).
    void connect_frontend(const FakeBlkfront& g) {
        const std::string f = front(g.domid);
        if (g.ring_refs.size() == 1) {
            store.set(f + "/ring-ref", std::to_string(g.ring_refs[0]));
        } else {
            unsigned order = 0;
            while ((1u << order) < g.ring_refs.size()) ++order;
            store.set(f + "/ring-page-order", std::to_string(order));
            for (unsigned i = 0; i < g.ring_refs.size(); ++i) {
                store.set(f + "/ring-ref" + std::to_string(i), std::to_string(g.ring_refs[i]));
            }
        }
        store.set(f + "/event-channel", std::to_string(g.port));
        store.set(f + "/protocol", "arm-abi");
        store.set(f + "/state", "3");
    }
    std::string state(domid_t d) const { return store.value(back(d) + "/state"); }
    bool settle(const std::function<bool()>& pred) {
        for (int i = 0; i < 2000 && !pred(); ++i) {
            io.restart();
            io.poll();
            if (!pred()) io.run_for(std::chrono::microseconds(200));
        }
        return pred();
    }
    bool said_with(const std::string& part) const {
        return std::any_of(said.begin(), said.end(),
                           [&](const auto& s) { return s.find(part) != std::string::npos; });
    }
    /// Write one page through the guest's ring and wait for the answer.
    std::int16_t write_page(FakeBlkfront& g, std::uint64_t sector, unsigned page) {
        auto w = rw_request(BLKIF_OP_WRITE, sector, sector, 1, page);
        g.submit(&w);
        std::vector<blkif_response> rs;
        settle([&] {
            for (const auto& r : g.responses()) rs.push_back(r);
            return !rs.empty();
        });
        return rs.empty() ? std::int16_t(99) : rs[0].status;
    }

    boost::asio::io_context io;
    BlkWorld world;
    FakeVbdStore store;
    InlineExecutor executor;
    DaemonOptions options;
    std::vector<std::string> said;
    std::string fatal;
    std::unique_ptr<Daemon> daemon;
};

}  // namespace

TEST_CASE("blkback device: InitWait, Connected, I/O, Closing, Closed, reconnect, removal",
          "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk(4 << 20);
    FakeBlkfront guest(rig.world, 5);
    REQUIRE(rig.daemon->start());
    rig.attach(5, disk.path);
    const std::string b = DaemonRig::back(5);
    REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
    CHECK(rig.store.value(b + "/sectors") == "8192");
    CHECK(rig.store.value(b + "/sector-size") == "512");
    CHECK(rig.store.value(b + "/info") == "0");
    CHECK(rig.store.value(b + "/feature-flush-cache") == "1");
    CHECK(rig.store.value(b + "/feature-discard") == "1");
    CHECK(rig.store.value(b + "/feature-max-indirect-segments") == "256");
    CHECK(rig.store.value(b + "/max-ring-page-order") == "4");
    CHECK(rig.store.value(b + "/multi-queue-max-queues") == "4");
    CHECK(rig.store.value(b + "/feature-persistent") == "0");

    rig.connect_frontend(guest);
    REQUIRE(rig.settle([&] { return rig.state(5) == "4"; }));
    Device* dev = rig.daemon->device(5, kDevid);
    REQUIRE(dev);
    CHECK(dev->connected());
    CHECK(rig.said_with("connected"));
    const auto data = pattern(4096, 1);
    std::memcpy(guest.data(0).data(), data.data(), data.size());
    CHECK(rig.write_page(guest, 24, 0) == BLKIF_RSP_OKAY);
    CHECK(same(disk.read(24 * 512, 4096), data));

    rig.store.set(DaemonRig::front(5) + "/state", "5");
    REQUIRE(rig.settle([&] { return rig.state(5) == "5"; }));
    CHECK_FALSE(dev->connected());
    rig.store.set(DaemonRig::front(5) + "/state", "6");
    REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));

    // The frontend starts over (a guest kernel reloading blkfront).
    rig.store.set(DaemonRig::front(5) + "/state", "1");
    REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
    guest.init_ring(2);
    rig.connect_frontend(guest);
    REQUIRE(rig.settle([&] { return rig.state(5) == "4"; }));
    CHECK(dev->queues().front()->ring_size() == 64);
    CHECK(rig.write_page(guest, 32, 0) == BLKIF_RSP_OKAY);

    // xl block-detach: backend Closing and offline, the frontend closes, the nodes go.
    rig.store.set(b + "/online", "0");
    rig.store.set(b + "/state", "5");
    rig.store.set(DaemonRig::front(5) + "/state", "6");
    REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
    rig.store.remove(b);
    rig.store.remove(DaemonRig::front(5));
    REQUIRE(rig.settle([&] { return rig.daemon->device_count() == 0; }));
    CHECK(rig.store.nodes.count(b + "/sectors") == 0);
    CHECK(rig.said_with("removed"));
    CHECK(rig.fatal.empty());
}

TEST_CASE("blkback device: a restarted daemon takes over a live ring and serves what was left",
          "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk(1 << 20);
    FakeBlkfront guest(rig.world, 5);
    REQUIRE(rig.daemon->start());
    rig.attach(5, disk.path);
    REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
    rig.connect_frontend(guest);
    REQUIRE(rig.settle([&] { return rig.state(5) == "4"; }));
    std::memcpy(guest.data(0).data(), pattern(4096, 3).data(), 4096);
    CHECK(rig.write_page(guest, 8, 0) == BLKIF_RSP_OKAY);

    // The daemon dies (nothing written to xenstore on the way), and the guest goes on queueing.
    rig.daemon.reset();
    CHECK(rig.state(5) == "4");
    std::memcpy(guest.data(1).data(), pattern(4096, 4).data(), 4096);
    auto w = rw_request(BLKIF_OP_WRITE, 77, 16, 1, 1);
    guest.submit(&w);
    CHECK(guest.responses().empty());

    // A new daemon finds a connected frontend: it maps the same ring, binds the same port,
    // and answers the request nobody answered, once.
    rig.daemon = std::make_unique<Daemon>(
        rig.io, Backends{rig.world.grants, rig.world.events, rig.executor}, rig.store, rig.options);
    REQUIRE(rig.daemon->start());
    std::vector<blkif_response> got;
    REQUIRE(rig.settle([&] {
        for (const auto& r : guest.responses()) got.push_back(r);
        return !got.empty();
    }));
    CHECK(rig.state(5) == "4");
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == 77);
    CHECK(got[0].status == BLKIF_RSP_OKAY);
    CHECK(same(disk.read(16 * 512, 4096), pattern(4096, 4)));
    CHECK(same(disk.read(8 * 512, 4096), pattern(4096, 3)));
    const DeviceStats* stats = rig.daemon->device(5, kDevid)->stats();
    REQUIRE(stats);
    CHECK(stats->requests == 1);  // not the one answered before the restart
    CHECK(stats->bad_requests == 0);
    CHECK(rig.write_page(guest, 24, 0) == BLKIF_RSP_OKAY);
    CHECK(rig.fatal.empty());
}

TEST_CASE("blkback device: a late state change never brings a removed directory back",
          "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk(1 << 20);
    FakeBlkfront guest(rig.world, 5);
    REQUIRE(rig.daemon->start());
    rig.attach(5, disk.path);
    REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
    rig.connect_frontend(guest);
    REQUIRE(rig.settle([&] { return rig.state(5) == "4"; }));
    // The frontend closes, and xl destroy removes the backend directory while the daemon is
    // looking at that change (after it has seen the directory, before it writes Closing).
    bool removed = false;
    rig.store.on_read = [&](const std::string& path) {
        if (!removed && path == DaemonRig::front(5) + "/state") {
            removed = true;
            rig.store.remove(DaemonRig::back(5));
        }
    };
    rig.store.set(DaemonRig::front(5) + "/state", "5");
    REQUIRE(rig.settle([&] { return rig.daemon->device_count() == 0; }));
    CHECK(removed);
    for (const auto& [path, value] : rig.store.nodes) {
        CHECK_FALSE(path.starts_with(DaemonRig::back(5)));
    }
}

TEST_CASE("blkback device: two queues of two pages each", "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk(1 << 20);
    FakeBlkfront guest(rig.world, 5, 4);  // pages 0-1: queue 0, pages 2-3: queue 1
    REQUIRE(rig.daemon->start());
    rig.attach(5, disk.path);
    REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
    const std::string f = DaemonRig::front(5);
    const auto port1 = rig.world.hub.alloc_unbound(5, 0).value();
    auto area = std::span(guest.dom->page(FakeBlkfront::kFirstGfn + 2).data(), 2 * 4096);
    auto ring1 = tessera::xen::ring::FrontRing<blkif_sring>::create(area).value();
    guest.ring.emplace(tessera::xen::ring::FrontRing<blkif_sring>::create(
                           std::span(guest.dom->page(FakeBlkfront::kFirstGfn).data(), 2 * 4096))
                           .value());
    rig.store.set(f + "/multi-queue-num-queues", "2");
    rig.store.set(f + "/ring-page-order", "1");
    for (unsigned q = 0; q < 2; ++q) {
        const std::string dir = f + "/queue-" + std::to_string(q);
        rig.store.set(dir + "/ring-ref0", std::to_string(FakeBlkfront::kRingRef + 2 * q));
        rig.store.set(dir + "/ring-ref1", std::to_string(FakeBlkfront::kRingRef + 2 * q + 1));
        rig.store.set(dir + "/event-channel", std::to_string(q == 0 ? guest.port : port1));
    }
    rig.store.set(f + "/state", "4");
    REQUIRE(rig.settle([&] { return rig.state(5) == "4"; }));
    Device* dev = rig.daemon->device(5, kDevid);
    REQUIRE(dev->queues().size() == 2);
    CHECK(dev->queues()[1]->ring_size() == 64);

    // A request on the second queue is answered on the second ring.
    auto rd = rw_request(BLKIF_OP_READ, 4242, 0, 1);
    REQUIRE(ring1.put_request(rd));
    if (ring1.push_requests()) (void)rig.world.hub.send(5, port1);
    std::optional<blkif_response> got;
    REQUIRE(rig.settle([&] {
        if (auto r = ring1.take_response().value()) got = r;
        return got.has_value();
    }));
    CHECK(got->id == 4242);
    CHECK(got->status == BLKIF_RSP_OKAY);
}

TEST_CASE("blkback device: a misbehaving frontend fails only its own disk", "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk5(1 << 20, "five"), disk6(1 << 20, "six");
    FakeBlkfront bad(rig.world, 5), good(rig.world, 6);
    REQUIRE(rig.daemon->start());
    rig.attach(5, disk5.path);
    rig.attach(6, disk6.path);
    REQUIRE(rig.settle([&] { return rig.state(5) == "2" && rig.state(6) == "2"; }));
    rig.connect_frontend(bad);
    rig.connect_frontend(good);
    REQUIRE(rig.settle([&] { return rig.state(5) == "4" && rig.state(6) == "4"; }));

    bad.sring().req_prod = 5000;
    (void)rig.world.hub.send(5, bad.port);
    REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
    CHECK(rig.store.value(DaemonRig::back(5) + "/error").find("ring") != std::string::npos);
    CHECK_FALSE(rig.daemon->device(5, kDevid)->connected());

    std::memcpy(good.data(0).data(), pattern(4096, 2).data(), 4096);
    CHECK(rig.write_page(good, 0, 0) == BLKIF_RSP_OKAY);
    CHECK(same(disk6.read(0, 4096), pattern(4096, 2)));
    CHECK(rig.state(6) == "4");
    CHECK(rig.fatal.empty());
}

TEST_CASE("blkback device: refusals reach the toolstack as an error node", "[blkback][device]") {
    DaemonRig rig;
    TempDisk disk(1 << 20);
    REQUIRE(rig.daemon->start());
    SECTION("a qdisk backend type") {
        rig.attach(5, disk.path, "w", "qdisk");
        REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
        CHECK(rig.store.value(DaemonRig::back(5) + "/error").find("qdisk") != std::string::npos);
    }
    SECTION("a qcow2 image") {
        rig.attach(5, "qcow2:" + disk.path);
        REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
        CHECK(rig.store.value(DaemonRig::back(5) + "/error").find("raw") != std::string::npos);
    }
    SECTION("a missing file") {
        rig.attach(5, disk.path + ".missing");
        REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
        CHECK(rig.said_with("cannot open"));
    }
    SECTION("an x86 frontend") {
        FakeBlkfront guest(rig.world, 5);
        rig.attach(5, disk.path);
        REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
        rig.store.set(DaemonRig::front(5) + "/protocol", "x86_64-abi");
        rig.store.set(DaemonRig::front(5) + "/ring-ref", std::to_string(guest.ring_refs[0]));
        rig.store.set(DaemonRig::front(5) + "/event-channel", std::to_string(guest.port));
        rig.store.set(DaemonRig::front(5) + "/state", "3");
        REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
        CHECK(rig.store.value(DaemonRig::back(5) + "/error").find("protocol") != std::string::npos);
    }
    SECTION("detached before any frontend came") {
        rig.attach(5, disk.path, "r");
        REQUIRE(rig.settle([&] { return rig.state(5) == "2"; }));
        CHECK(rig.store.value(DaemonRig::back(5) + "/info") == std::to_string(VDISK_READONLY));
        CHECK(rig.store.value(DaemonRig::back(5) + "/feature-discard") == "0");
        rig.store.set(DaemonRig::back(5) + "/online", "0");
        REQUIRE(rig.settle([&] { return rig.state(5) == "6"; }));
    }
    CHECK(rig.fatal.empty());
}

TEST_CASE("blkback frontend parameters are parsed strictly", "[blkback][device]") {
    std::map<std::string, std::string> nodes;
    const NodeReader read = [&](const std::string& n) -> std::optional<std::string> {
        const auto it = nodes.find(n);
        return it == nodes.end() ? std::nullopt : std::optional(it->second);
    };
    const TransportLimits limits{2, 2};
    nodes = {{"ring-ref", "9"}, {"event-channel", "3"}};
    auto p = read_frontend_params(read, limits);
    REQUIRE(p);
    CHECK(p->queues.size() == 1);
    CHECK(p->queues[0].ring_refs == std::vector<grant_ref_t>{9});
    CHECK(p->queues[0].port == 3);
    nodes = {{"num-ring-pages", "4"}, {"ring-ref0", "9"}, {"ring-ref1", "10"},
             {"ring-ref2", "11"}, {"ring-ref3", "12"}, {"event-channel", "3"}};
    p = read_frontend_params(read, limits);
    REQUIRE(p);
    CHECK(p->queues[0].ring_refs.size() == 4);
    nodes["num-ring-pages"] = "3";
    CHECK_FALSE(read_frontend_params(read, limits));
    nodes = {{"ring-page-order", "3"}, {"event-channel", "3"}};
    CHECK_FALSE(read_frontend_params(read, limits));
    nodes = {{"multi-queue-num-queues", "3"}, {"ring-ref", "9"}, {"event-channel", "3"}};
    CHECK_FALSE(read_frontend_params(read, limits));
    nodes = {{"ring-ref", "9x"}, {"event-channel", "3"}};
    CHECK_FALSE(read_frontend_params(read, limits));
    nodes = {{"ring-ref", "9"}};
    CHECK_FALSE(read_frontend_params(read, limits));
    nodes = {{"ring-ref", "9"}, {"event-channel", "99999999999"}};
    CHECK_FALSE(read_frontend_params(read, limits));
}

TEST_CASE("blkback backing targets: raw phy and file only", "[blkback][device]") {
    CHECK(backing_target("phy", "/dev/vda").value() == "/dev/vda");
    CHECK(backing_target("phy", "phy:/dev/vda").value() == "/dev/vda");
    CHECK(backing_target("file", "file:/img/a.raw").value() == "/img/a.raw");
    CHECK(backing_target("", "raw:/img/a.raw").value() == "/img/a.raw");
    CHECK(backing_target("phy", "qcow2:/img/a.qcow2").error().code == EOPNOTSUPP);
    CHECK(backing_target("tap", "/img/a.raw").error().code == EOPNOTSUPP);
    CHECK(backing_target("qdisk", "/img/a.raw").error().code == EOPNOTSUPP);
    CHECK_FALSE(backing_target("phy", ""));
}
