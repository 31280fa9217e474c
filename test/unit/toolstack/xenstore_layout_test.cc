// The xenstore entries of a new domain: paths, values and permissions as libxl writes them.
#include "toolstack/xenstore_layout.h"

#include <catch2/catch.hpp>
#include <map>

using namespace tessera::toolstack;

namespace {

struct Node {
    std::string value;
    std::string perms;
};

std::map<std::string, Node> layout_of(std::string_view text) {
    auto p = parse_domain_config(text, "g.cfg");
    REQUIRE(p.has_value());
    XsDomainFacts f{5, 0, 1, 0x39001, 2, 0x39000, "1700000000.42"};
    std::map<std::string, Node> nodes;
    for (const XsEntry& e : xenstore_layout(p->config, f)) {
        std::string perms;
        for (const XsPerm& perm : e.perms) perms += (perms.empty() ? "" : " ") + perm.str();
        INFO(e.path);
        REQUIRE(nodes.emplace(e.path, Node{e.value, perms}).second);  // each path written once
    }
    return nodes;
}

constexpr std::string_view kGuest =
    "name = 'web'\nkernel = '/k'\nuuid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'\n"
    "memory = 256\nmaxmem = 512\nvcpus = 2\nmaxvcpus = 3\n";

}  // namespace

TEST_CASE("xenstore: the domain's own directory") {
    auto n = layout_of(kGuest);
    const std::string d = "/local/domain/5";
    const std::string ro = "n0 r5", rw = "n5";
    REQUIRE(n.at(d).perms == ro);
    REQUIRE(n.at(d + "/name").value == "web");
    REQUIRE(n.at(d + "/domid").value == "5");
    REQUIRE(n.at(d + "/vm").value == "/vm/3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    REQUIRE(n.at(d + "/memory/target").value == "262144");
    REQUIRE(n.at(d + "/memory/static-max").value == "524288");
    REQUIRE(n.at(d + "/memory/target").perms == ro);
    REQUIRE(n.at(d + "/cpu/0/availability").value == "online");
    REQUIRE(n.at(d + "/cpu/1/availability").value == "online");
    REQUIRE(n.at(d + "/cpu/2/availability").value == "offline");
    REQUIRE_FALSE(n.contains(d + "/cpu/3/availability"));
    REQUIRE(n.at(d + "/control").perms == ro);
    REQUIRE(n.at(d + "/control/shutdown").value.empty());
    REQUIRE(n.at(d + "/control/shutdown").perms == rw);  // the guest acknowledges requests here
    REQUIRE(n.at(d + "/control/feature-poweroff").perms == rw);
    REQUIRE(n.at(d + "/control/platform-feature-multiprocessor-suspend").value == "1");
    REQUIRE(n.at(d + "/control/platform-feature-xs_reset_watches").value == "1");
    REQUIRE(n.at(d + "/data").perms == rw);
    REQUIRE(n.at(d + "/device").perms == ro);
    REQUIRE(n.at(d + "/store/port").value == "1");
    REQUIRE(n.at(d + "/store/ring-ref").value == std::to_string(0x39001));
    REQUIRE(n.at("/libxl/5/type").value == "pvh");
    REQUIRE(n.at("/libxl/5/type").perms == "n0");
}

TEST_CASE("xenstore: /vm/UUID") {
    auto n = layout_of(kGuest);
    const std::string vm = "/vm/3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    REQUIRE(n.at(vm).perms == "n0 r5");
    REQUIRE(n.at(vm + "/uuid").value == "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    REQUIRE(n.at(vm + "/name").value == "web");
    REQUIRE(n.at(vm + "/start_time").value == "1700000000.42");
}

TEST_CASE("xenstore: console 0, read-only for the guest") {
    auto n = layout_of(kGuest);
    const std::string c = "/local/domain/5/console";
    const std::string b = "/local/domain/0/backend/console/5/0";
    REQUIRE(n.at(c).perms == "n0 r5");
    REQUIRE(n.at(c + "/ring-ref").value == std::to_string(0x39000));
    REQUIRE(n.at(c + "/port").value == "2");
    REQUIRE(n.at(c + "/limit").value == "1048576");
    REQUIRE(n.at(c + "/type").value == "xenconsoled");
    REQUIRE(n.at(c + "/output").value == "pty");
    REQUIRE(n.at(c + "/backend").value == b);
    REQUIRE(n.at(c + "/backend-id").value == "0");
    REQUIRE(n.at(b + "/frontend").value == c);
    REQUIRE(n.at(b + "/frontend-id").value == "5");
    REQUIRE(n.at(b + "/state").value == "1");
    REQUIRE(n.at(b + "/protocol").value == "vt100");
    REQUIRE(n.at(b).perms == "n0 r5");
}

TEST_CASE("xenstore: vbd and vif frontends and backends") {
    auto n = layout_of(std::string(kGuest) +
                       "disk = ['phy:/dev/vg/web,xvda,w', '/srv/cd.iso,,xvdc,cdrom']\n"
                       "vif = ['mac=00:16:3e:01:02:03,bridge=br1,rate=1MB/s@20ms', '']\n");
    const std::string f = "/local/domain/5/device/vbd/51712";
    const std::string b = "/local/domain/0/backend/vbd/5/51712";
    REQUIRE(n.at(f).perms == "n5 r0");
    REQUIRE(n.at(f + "/virtual-device").value == "51712");
    REQUIRE(n.at(f + "/device-type").value == "disk");
    REQUIRE(n.at(f + "/backend").value == b);
    REQUIRE(n.at(f + "/state").value == "1");
    REQUIRE(n.at(b).perms == "n0 r5");
    REQUIRE(n.at(b + "/params").value == "/dev/vg/web");
    REQUIRE(n.at(b + "/mode").value == "w");
    REQUIRE(n.at(b + "/dev").value == "xvda");
    REQUIRE(n.at(b + "/type").value == "phy");
    REQUIRE(n.at(b + "/frontend-id").value == "5");
    const std::string cd = "/local/domain/0/backend/vbd/5/51744";
    REQUIRE(n.at(cd + "/mode").value == "r");
    REQUIRE(n.at(cd + "/device-type").value == "cdrom");
    REQUIRE(n.at(cd + "/removable").value == "1");

    const std::string v0 = "/local/domain/5/device/vif/0";
    const std::string vb0 = "/local/domain/0/backend/vif/5/0";
    REQUIRE(n.at(v0 + "/mac").value == "00:16:3e:01:02:03");
    REQUIRE(n.at(v0 + "/handle").value == "0");
    REQUIRE(n.at(vb0 + "/bridge").value == "br1");
    REQUIRE(n.at(vb0 + "/script").value == "vif-bridge");
    REQUIRE(n.at(vb0 + "/rate").value == "20000,20000");
    const std::string v1 = "/local/domain/5/device/vif/1";
    REQUIRE(n.at(v1 + "/mac").value == "00:16:3e:2c:33:02");  // from the UUID's last bytes + devid
    REQUIRE(n.at("/local/domain/0/backend/vif/5/1/bridge").value == "xenbr0");
}

TEST_CASE("xenstore: default MACs are stable, unicast and in Xen's OUI") {
    auto uuid = *Uuid::parse("3f2504e0-4f89-41d3-9a0c-0305e82c33ff");
    auto a = default_mac(uuid, 0), b = default_mac(uuid, 1);
    REQUIRE(a == default_mac(uuid, 0));
    REQUIRE(a != b);
    REQUIRE(a[0] == 0x00);
    REQUIRE(a[1] == 0x16);
    REQUIRE(a[2] == 0x3e);
    REQUIRE((a[3] & 0x80) == 0);
}
