// Device hot-plug (xl block-attach/-detach/-list, network-*) against xenstored's core, with a
// simulated backend that answers like tessera-blkback would: InitWait when a device appears,
// Closed when asked to close.
#include <catch2/catch.hpp>

#include "fake_xenstore.h"
#include "toolstack/devices.h"

using namespace tessera;
using namespace tessera::toolstack;
using namespace std::chrono_literals;

namespace {

/// Passes requests to the daemon; after each one, lets the simulated backend react.
class ReactiveTransport final : public xs::Transport {
public:
    ReactiveTransport(std::unique_ptr<xs::Transport> inner, std::function<void()> after)
        : inner_(std::move(inner)), after_(std::move(after)) {}
    xs::Result<void> write_all(std::span<const char> bytes) override {
        auto r = inner_->write_all(bytes);
        after_();
        return r;
    }
    xs::Result<std::size_t> read_some(std::span<char> buffer) override {
        return inner_->read_some(buffer);
    }

private:
    std::unique_ptr<xs::Transport> inner_;
    std::function<void()> after_;
};

struct World {
    test::FakeXenstore xs;
    xs::Client backend = xs.connect();  ///< the simulated backend's own connection
    bool backend_alive = true;
    std::string refuse;  ///< non-empty: the backend refuses new devices with this error
    std::vector<std::string> watched;   ///< backend state nodes the simulated backend serves
    xs::Client toolstack_client{std::make_unique<ReactiveTransport>(
        std::make_unique<test::LoopbackTransport>(
            xs.daemon, xs.daemon.add_connection(xenstored::Connection::Kind::kSocket, 0)),
        [this] { react(); })};
    XenstoreDomains domains{toolstack_client};
    Devices devices{domains};

    void react() {
        if (!backend_alive) return;
        for (const std::string& state : watched) {
            auto v = backend.read(state);
            if (v && *v == "1" && !refuse.empty()) {
                const std::string dir = state.substr(0, state.rfind('/'));
                (void)backend.write(dir + "/error", refuse);
                (void)backend.write(state, "6");
            } else if (v && *v == "1") {
                (void)backend.write(state, "2");
            }
            if (v && *v == "5") (void)backend.write(state, "6");
        }
    }
};

DiskSpec disk(const char* spec) {
    auto d = DiskSpec::parse(spec);
    REQUIRE(d.has_value());
    return *d;
}

constexpr const char* kXvdbState = "/local/domain/0/backend/vbd/3/51728/state";

}  // namespace

TEST_CASE("devices: block-attach writes both sides and waits for the backend; detach closes it") {
    World w;
    w.watched = {kXvdbState};
    auto id = w.devices.attach_disk(3, disk("file:/images/g.img,xvdb,w"), 1s);
    REQUIRE(id.has_value());
    CHECK(*id == 51728);
    CHECK(w.xs.value("/local/domain/3/device/vbd/51728/backend") ==
          "/local/domain/0/backend/vbd/3/51728");
    CHECK(w.xs.value("/local/domain/0/backend/vbd/3/51728/params") == "/images/g.img");
    CHECK(w.xs.value("/local/domain/0/backend/vbd/3/51728/mode") == "w");
    CHECK(w.xs.value(kXvdbState) == "2");

    auto again = w.devices.attach_disk(3, disk("file:/images/other.img,xvdb,w"), 1s);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message == "vbd 51728 is already attached to domain 3");
    CHECK(w.xs.value("/local/domain/0/backend/vbd/3/51728/params") == "/images/g.img");

    auto listed = w.devices.list(3, DeviceKind::kVbd);
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 1);
    CHECK((*listed)[0].devid == 51728);
    CHECK((*listed)[0].state == 1);  // the frontend has not moved yet
    CHECK((*listed)[0].backend_path == "/local/domain/0/backend/vbd/3/51728");
    CHECK(w.devices.find(3, DeviceKind::kVbd, "xvdb").value_or(0) == 51728);
    CHECK(w.devices.find(3, DeviceKind::kVbd, "51728").value_or(0) == 51728);
    auto missing = w.devices.find(3, DeviceKind::kVbd, "xvdc");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "domain 3 has no vbd \"xvdc\"");

    REQUIRE(w.devices.detach(3, DeviceKind::kVbd, 51728, 1s, false).has_value());
    CHECK_FALSE(w.xs.exists("/local/domain/3/device/vbd/51728"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vbd/3/51728"));
    CHECK(w.devices.list(3, DeviceKind::kVbd).value().empty());
}

TEST_CASE("devices: without a backend, attach takes everything back and detach needs --force") {
    World w;
    w.watched = {kXvdbState};
    w.backend_alive = false;
    auto id = w.devices.attach_disk(3, disk("phy:/dev/loop0,xvdb,w"), 50ms);
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().message.starts_with("no backend took vbd 51728 within 0 s (is tessera-blkback"));
    CHECK_FALSE(w.xs.exists("/local/domain/3/device/vbd/51728"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vbd/3/51728"));

    w.backend_alive = true;
    REQUIRE(w.devices.attach_disk(3, disk("phy:/dev/loop0,xvdb,w"), 1s).has_value());
    w.backend_alive = false;
    auto stuck = w.devices.detach(3, DeviceKind::kVbd, 51728, 50ms, false);
    REQUIRE_FALSE(stuck.has_value());
    CHECK(stuck.error().message.find("use --force") != std::string::npos);
    CHECK(w.xs.exists("/local/domain/3/device/vbd/51728"));
    CHECK(w.xs.value(kXvdbState) == "5");  // asked to close
    REQUIRE(w.devices.detach(3, DeviceKind::kVbd, 51728, 50ms, true).has_value());
    CHECK_FALSE(w.xs.exists("/local/domain/3/device/vbd/51728"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vbd/3/51728"));
    auto gone = w.devices.detach(3, DeviceKind::kVbd, 51728, 50ms, true);
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().message == "domain 3 has no vbd 51728");
}

TEST_CASE("devices: a disk the backend refuses fails the attach with its reason") {
    World w;
    w.watched = {kXvdbState};
    w.refuse = "cannot open /images/none.img: No such file or directory";
    auto id = w.devices.attach_disk(3, disk("file:/images/none.img,xvdb,w"), 1s);
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().message ==
          "the backend refused vbd 51728: cannot open /images/none.img: No such file or directory");
    CHECK_FALSE(w.xs.exists("/local/domain/3/device/vbd/51728"));
    CHECK_FALSE(w.xs.exists("/local/domain/0/backend/vbd/3/51728"));
    // A format the backend cannot serve is refused before anything is written.
    auto qcow = w.devices.attach_disk(3, disk("/images/g.qcow2,qcow2,xvdb,w"), 1s);
    REQUIRE_FALSE(qcow.has_value());
    CHECK(qcow.error().message.find("format qcow2 is not supported") != std::string::npos);
    CHECK_FALSE(w.xs.exists("/local/domain/3/device/vbd/51728"));
}

TEST_CASE("devices: network-attach numbers vifs in order and finds them by MAC") {
    World w;
    w.watched = {"/local/domain/0/backend/vif/4/0/state", "/local/domain/0/backend/vif/4/1/state"};
    std::vector<std::string> warnings;
    auto first = VifSpec::parse("bridge=xenbr0", warnings);
    auto second = VifSpec::parse("mac=00:16:3e:00:00:02", warnings);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    Uuid uuid{};
    CHECK(w.devices.attach_nic(4, uuid, *first, 1s).value_or(99) == 0);
    CHECK(w.devices.attach_nic(4, uuid, *second, 1s).value_or(99) == 1);
    CHECK(w.xs.value("/local/domain/0/backend/vif/4/1/mac") == "00:16:3e:00:00:02");
    CHECK(w.xs.value("/local/domain/0/backend/vif/4/0/bridge") == "xenbr0");
    auto listed = w.devices.list(4, DeviceKind::kVif);
    REQUIRE(listed.has_value());
    REQUIRE(listed->size() == 2);
    CHECK((*listed)[1].mac == "00:16:3e:00:00:02");
    CHECK((*listed)[0].ring_ref == "-1/-1");
    CHECK(w.devices.find(4, DeviceKind::kVif, "00:16:3e:00:00:02").value_or(99) == 1);
    REQUIRE(w.devices.detach(4, DeviceKind::kVif, 0, 1s, false).has_value());
    CHECK(w.devices.list(4, DeviceKind::kVif).value().size() == 1);
}
