// The xenstore layout of a new domain (what libxl's domain_make, build_post and device_add write).
#include "toolstack/xenstore_layout.h"

#include <string_view>

namespace tessera::toolstack {
namespace {

/// XenbusStateInitialising (xen/io/xenbus.h).
constexpr std::string_view kStateInitialising = "1";

class Layout {
public:
    Layout(const DomainConfig& c, const XsDomainFacts& f)
        : c_(c),
          f_(f),
          dom_("/local/domain/" + std::to_string(f.domid)),
          vm_("/vm/" + c.uuid.str()),
          ro_{{'n', 0}, {'r', f.domid}},
          rw_{{'n', f.domid}} {}

    std::vector<XsEntry> devices_only() {
        for (const DiskSpec& d : c_.disks) vbd(d);
        for (const VifSpec& v : c_.vifs) vif(v);
        return std::move(out_);
    }

    std::vector<XsEntry> run() {
        domain();
        vm();
        memory_and_cpus();
        console();
        for (const DiskSpec& d : c_.disks) vbd(d);
        for (const VifSpec& v : c_.vifs) vif(v);
        return std::move(out_);
    }

private:
    using Perms = std::vector<XsPerm>;

    void add(std::string path, std::string value, const Perms& perms) {
        out_.push_back({std::move(path), std::move(value), perms});
    }

    void domain() {
        add(dom_, "", ro_);
        add(dom_ + "/vm", vm_, ro_);
        add(dom_ + "/name", c_.name, ro_);
        add(dom_ + "/domid", std::to_string(f_.domid), ro_);
        add(dom_ + "/cpu", "", ro_);
        add(dom_ + "/memory", "", ro_);
        add(dom_ + "/device", "", ro_);
        add(dom_ + "/device/suspend/event-channel", "", rw_);
        add(dom_ + "/control", "", ro_);
        for (const char* node :
             {"shutdown", "feature-poweroff", "feature-reboot", "feature-suspend", "sysrq"}) {
            add(dom_ + "/control/" + node, "", rw_);
        }
        add(dom_ + "/control/platform-feature-multiprocessor-suspend", "1", ro_);
        add(dom_ + "/control/platform-feature-xs_reset_watches", "1", ro_);
        for (const char* node : {"data", "drivers", "feature", "attr", "error"}) {
            add(dom_ + "/" + node, "", rw_);
        }
        add(dom_ + "/store/port", std::to_string(f_.store_port), ro_);
        add(dom_ + "/store/ring-ref", std::to_string(f_.store_gfn), ro_);
        const std::string libxl = "/libxl/" + std::to_string(f_.domid);
        add(libxl, "", {{'n', 0}});
        add(libxl + "/type", std::string(to_string(c_.type)), {{'n', 0}});
    }

    void vm() {
        add(vm_, "", ro_);
        add(vm_ + "/uuid", c_.uuid.str(), ro_);
        add(vm_ + "/name", c_.name, ro_);
        add(vm_ + "/start_time", f_.start_time, ro_);
    }

    void memory_and_cpus() {
        add(dom_ + "/memory/static-max", std::to_string(c_.max_memkb), ro_);
        add(dom_ + "/memory/target", std::to_string(c_.target_memkb), ro_);
        add(dom_ + "/memory/videoram", "0", ro_);
        for (unsigned i = 0; i < c_.max_vcpus; ++i) {
            add(dom_ + "/cpu/" + std::to_string(i) + "/availability",
                i < c_.vcpus ? "online" : "offline", ro_);
        }
    }

    std::string backend_dir(std::string_view kind, uint32_t devid) const {
        return "/local/domain/" + std::to_string(f_.backend_domid) + "/backend/" +
               std::string(kind) + "/" + std::to_string(f_.domid) + "/" + std::to_string(devid);
    }

    /// Backend directory: owned by the backend domain, readable by the guest.
    Perms backend_perms() const { return {{'n', f_.backend_domid}, {'r', f_.domid}}; }
    /// Frontend directory: owned by the guest, readable by the backend.
    Perms frontend_perms() const { return {{'n', f_.domid}, {'r', f_.backend_domid}}; }

    /// The common part of a frontend/backend pair.
    void pair(const std::string& front, const std::string& back, const Perms& front_perms) {
        add(front, "", front_perms);
        add(front + "/backend", back, front_perms);
        add(front + "/backend-id", std::to_string(f_.backend_domid), frontend_perms());
        add(back, "", backend_perms());
        add(back + "/frontend", front, backend_perms());
        add(back + "/frontend-id", std::to_string(f_.domid), backend_perms());
        add(back + "/online", "1", backend_perms());
        add(back + "/state", std::string(kStateInitialising), backend_perms());
    }

    /// Console 0 lives at /local/domain/N/console and the guest may only read it.
    void console() {
        const std::string front = dom_ + "/console";
        const std::string back = backend_dir("console", 0);
        const Perms ro_front = backend_perms();
        pair(front, back, ro_front);
        add(back + "/protocol", "vt100", backend_perms());
        add(front + "/limit", std::to_string(kConsoleLimit), ro_front);
        add(front + "/type", "xenconsoled", ro_front);
        add(front + "/output", "pty", ro_front);
        add(front + "/tty", "", ro_front);
        add(front + "/port", std::to_string(f_.console_port), ro_front);
        add(front + "/ring-ref", std::to_string(f_.console_gfn), ro_front);
    }

    void vbd(const DiskSpec& d) {
        const std::string front = dom_ + "/device/vbd/" + std::to_string(d.devid);
        const std::string back = backend_dir("vbd", d.devid);
        const Perms fp = frontend_perms(), bp = backend_perms();
        const std::string devtype = d.cdrom ? "cdrom" : "disk";
        pair(front, back, fp);
        add(front + "/state", std::string(kStateInitialising), fp);
        add(front + "/virtual-device", std::to_string(d.devid), fp);
        add(front + "/device-type", devtype, fp);
        if (d.trusted) add(front + "/trusted", *d.trusted ? "1" : "0", fp);
        add(back + "/removable", d.cdrom ? "1" : "0", bp);
        add(back + "/bootable", "1", bp);
        add(back + "/dev", d.vdev, bp);
        add(back + "/type",
            d.backendtype == DiskBackendType::kAuto ? "phy" : std::string(to_string(d.backendtype)),
            bp);
        add(back + "/mode", d.readwrite ? "w" : "r", bp);
        add(back + "/device-type", devtype, bp);
        add(back + "/params", d.target, bp);
        if (!d.script.empty()) add(back + "/script", d.script, bp);
        if (d.discard) add(back + "/discard-enable", *d.discard ? "1" : "0", bp);
        if (d.direct_io_safe) add(back + "/direct-io-safe", "1", bp);
    }

    void vif(const VifSpec& v) {
        const uint32_t devid = v.devid.value_or(0);
        const std::string front = dom_ + "/device/vif/" + std::to_string(devid);
        const std::string back = backend_dir("vif", devid);
        const Perms fp = frontend_perms(), bp = backend_perms();
        const std::string mac = to_string(v.mac.value_or(default_mac(c_.uuid, devid)));
        pair(front, back, fp);
        add(front + "/state", std::string(kStateInitialising), fp);
        add(front + "/handle", std::to_string(devid), fp);
        add(front + "/mac", mac, fp);
        if (v.mtu) add(front + "/mtu", std::to_string(*v.mtu), fp);
        if (v.trusted) add(front + "/trusted", *v.trusted ? "1" : "0", fp);
        add(back + "/script", v.script.empty() ? "vif-bridge" : v.script, bp);
        add(back + "/mac", mac, bp);
        add(back + "/bridge", v.bridge.empty() ? std::string(kDefaultBridge) : v.bridge, bp);
        add(back + "/handle", std::to_string(devid), bp);
        add(back + "/type", "vif", bp);
        if (!v.ip.empty()) add(back + "/ip", v.ip, bp);
        if (!v.vifname.empty()) add(back + "/vifname", v.vifname, bp);
        if (!v.gatewaydev.empty()) add(back + "/gatewaydev", v.gatewaydev, bp);
        if (v.mtu) add(back + "/mtu", std::to_string(*v.mtu), bp);
        if (v.rate) {
            add(back + "/rate",
                std::to_string(v.rate->bytes_per_interval) + "," +
                    std::to_string(v.rate->interval_usecs),
                bp);
        }
    }

    const DomainConfig& c_;
    const XsDomainFacts& f_;
    const std::string dom_;
    const std::string vm_;
    const Perms ro_;  ///< dom0 owns it, the guest may read (libxl's roperm)
    const Perms rw_;  ///< the guest owns it (libxl's rwperm)
    std::vector<XsEntry> out_;
};

}  // namespace

MacAddress default_mac(const Uuid& uuid, uint32_t devid) {
    const auto& b = uuid.bytes;
    return {0x00,  0x16,
            0x3e,  static_cast<uint8_t>(b[13] & 0x7f),
            b[14], static_cast<uint8_t>(b[15] + devid)};
}

std::vector<XsEntry> xenstore_layout(const DomainConfig& config, const XsDomainFacts& facts) {
    return Layout(config, facts).run();
}

std::vector<XsEntry> vbd_layout(const DiskSpec& disk, const XsDomainFacts& facts) {
    DomainConfig one;
    one.disks = {disk};
    return Layout(one, facts).devices_only();
}

std::vector<XsEntry> vif_layout(const VifSpec& vif, const Uuid& uuid, const XsDomainFacts& facts) {
    DomainConfig one;
    one.uuid = uuid;
    one.vifs = {vif};
    return Layout(one, facts).devices_only();
}

}  // namespace tessera::toolstack
