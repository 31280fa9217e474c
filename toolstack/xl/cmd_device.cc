// Device hot-plug on a running guest: block-attach, block-detach, block-list, network-attach,
// network-detach, network-list (as Xen's xl, columns included).
#include <cstdio>
#include <iostream>
#include <memory>

#include "toolstack/devices.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;
using namespace std::chrono_literals;

constexpr auto kBackendTimeout = 10s;

struct DeviceOptions {
    std::string domain;
    std::vector<std::string> spec;  ///< attach: the spec (possibly split on spaces)
    std::string which;              ///< detach: device id, vdev or MAC
    std::vector<std::string> domains;
    bool force = false;
};

/// Xen's xl takes a spec as one argument or as several that join with commas.
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
    return out;
}

void block_attach(const DeviceOptions& o) {
    auto disk = ts::DiskSpec::parse(joined(o.spec));
    if (!disk) throw Failure(disk.error().message);
    auto s = Session::open();
    const ts::DomId dom = s->resolve(o.domain);
    ts::Devices devices(s->ts().xenstore());
    check(devices.attach_disk(dom, *disk, kBackendTimeout), "block-attach");
}

void network_attach(const DeviceOptions& o) {
    std::vector<std::string> warnings;
    auto vif = ts::VifSpec::parse(joined(o.spec), warnings);
    if (!vif) throw Failure(vif.error().message);
    for (const std::string& w : warnings) std::cerr << w << "\n";
    auto s = Session::open();
    const ts::DomId dom = s->resolve(o.domain);
    auto info = check(s->ts().control().find(dom));
    if (!info) throw Failure("domain " + std::to_string(dom) + " does not exist");
    ts::Devices devices(s->ts().xenstore());
    check(devices.attach_nic(dom, info->uuid, *vif, kBackendTimeout), "network-attach");
}

void detach(const DeviceOptions& o, ts::DeviceKind kind, const char* command) {
    auto s = Session::open();
    const ts::DomId dom = s->resolve(o.domain);
    ts::Devices devices(s->ts().xenstore());
    const uint32_t devid = check(devices.find(dom, kind, o.which), command);
    check(devices.detach(dom, kind, devid, kBackendTimeout, o.force), command);
}

void block_list(const DeviceOptions& o) {
    auto s = Session::open();
    ts::Devices devices(s->ts().xenstore());
    std::printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
                "evt-ch", "ring-ref", "BE-path");
    for (const std::string& name : o.domains) {
        const ts::DomId dom = s->resolve(name);
        for (const ts::DeviceInfo& d : check(devices.list(dom, ts::DeviceKind::kVbd))) {
            std::printf("%-5u %-3u %-6u %-5d %-6s %-8s %-30s\n", d.devid, d.backend_id, d.devid,
                        d.state, d.evtchn.c_str(), d.ring_ref.c_str(), d.backend_path.c_str());
        }
    }
}

void network_list(const DeviceOptions& o) {
    auto s = Session::open();
    ts::Devices devices(s->ts().xenstore());
    std::printf("%-3s %-2s %-17s %-6s %-5s %-6s %8s %-30s\n", "Idx", "BE", "Mac Addr.", "handle",
                "state", "evt-ch", "tx-/rx-ring-ref", "BE-path");
    for (const std::string& name : o.domains) {
        const ts::DomId dom = s->resolve(name);
        for (const ts::DeviceInfo& d : check(devices.list(dom, ts::DeviceKind::kVif))) {
            std::printf("%-3u %-2u %-17s %-6u %-5d %-6s %8s %-30s\n", d.devid, d.backend_id,
                        d.mac.c_str(), d.devid, d.state, d.evtchn.c_str(), d.ring_ref.c_str(),
                        d.backend_path.c_str());
        }
    }
}

}  // namespace

void register_device_commands(CLI::App& app) {
    auto o = std::make_shared<DeviceOptions>();
    auto* ba = app.add_subcommand("block-attach", "Create a new virtual block device");
    ba->add_option("domain", o->domain, "<Domain>")->required();
    ba->add_option("disk-spec", o->spec, "<disk-spec-component(s)>")->required();
    ba->callback([o] { block_attach(*o); });
    auto* bd = app.add_subcommand("block-detach", "Destroy a domain's virtual block device");
    bd->add_option("domain", o->domain, "<Domain>")->required();
    bd->add_option("device", o->which, "<DevId> (number or vdev, e.g. xvdb)")->required();
    bd->add_flag("--force", o->force, "Remove the device even if the backend does not answer");
    bd->callback([o] { detach(*o, ts::DeviceKind::kVbd, "block-detach"); });
    auto* bl = app.add_subcommand("block-list", "List virtual block devices for a domain");
    bl->add_option("domains", o->domains, "<Domain(s)>")->required();
    bl->callback([o] { block_list(*o); });
    auto* na = app.add_subcommand("network-attach", "Create a new virtual network device");
    na->add_option("domain", o->domain, "<Domain>")->required();
    na->add_option("vif-spec", o->spec, "[vif-spec-component(s)]");
    na->callback([o] { network_attach(*o); });
    auto* nd = app.add_subcommand("network-detach", "Destroy a domain's virtual network device");
    nd->add_option("domain", o->domain, "<Domain>")->required();
    nd->add_option("device", o->which, "<DevId|mac>")->required();
    nd->add_flag("--force", o->force, "Remove the device even if the backend does not answer");
    nd->callback([o] { detach(*o, ts::DeviceKind::kVif, "network-detach"); });
    auto* nl = app.add_subcommand("network-list", "List virtual network interfaces for a domain");
    nl->add_option("domains", o->domains, "<Domain(s)>")->required();
    nl->callback([o] { network_list(*o); });
}

}  // namespace tessera::xl
