// Hot-plugging PV devices through xenstore, as libxl's device_add and device_remove do.
#include "toolstack/devices.h"

#include <algorithm>
#include <charconv>

#include "toolstack/vdev.h"
#include "toolstack/xenstore_layout.h"

namespace tessera::toolstack {
namespace {

// XenbusState values (xen/io/xenbus.h).
constexpr int kClosing = 5;
constexpr int kClosed = 6;

std::optional<int> number(const std::optional<std::string>& v) {
    int n = 0;
    if (!v || v->empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
    return n;
}

std::string or_dash(const Result<std::optional<std::string>>& v, const char* none = "-1") {
    return v && *v && !(*v)->empty() ? **v : none;
}

}  // namespace

std::string_view to_string(DeviceKind kind) { return kind == DeviceKind::kVbd ? "vbd" : "vif"; }

std::string Devices::frontend(DomId dom, DeviceKind kind, uint32_t devid) const {
    return domain_path(dom) + "/device/" + std::string(to_string(kind)) + "/" +
           std::to_string(devid);
}

std::string Devices::backend(DomId dom, DeviceKind kind, uint32_t devid) const {
    return domain_path(backend_domid_) + "/backend/" + std::string(to_string(kind)) + "/" +
           std::to_string(dom) + "/" + std::to_string(devid);
}

Result<uint32_t> Devices::attach(DomId dom, DeviceKind kind, uint32_t devid,
                                 const std::vector<XsEntry>& entries,
                                 std::chrono::milliseconds timeout) {
    const std::string front = frontend(dom, kind, devid);
    auto existing = xs_.read(front + "/backend");
    if (!existing) return std::unexpected(existing.error());
    if (*existing) {
        return fail(std::string(to_string(kind)) + " " + std::to_string(devid) +
                    " is already attached to domain " + std::to_string(dom));
    }
    if (auto w = xs_.write(entries); !w) return std::unexpected(w.error());
    const std::string back = backend(dom, kind, devid);
    auto answer = xs_.await_backend(back, timeout);
    if (answer && answer->kind == BackendAnswer::kTaken) return devid;
    const std::string paths[] = {front, back};
    (void)xs_.remove(paths);
    if (!answer) return std::unexpected(answer.error());
    const std::string what = std::string(to_string(kind)) + " " + std::to_string(devid);
    if (answer->kind == BackendAnswer::kRefused) {
        return fail("the backend refused " + what + ": " + answer->reason);
    }
    return fail("no backend took " + what + " within " +
                std::to_string(timeout.count() / 1000) + " s (is " +
                (kind == DeviceKind::kVbd ? "tessera-blkback" : "tessera-netback") +
                " running in domain " + std::to_string(backend_domid_) + "?)");
}

Result<uint32_t> Devices::attach_disk(DomId dom, const DiskSpec& disk,
                                      std::chrono::milliseconds timeout) {
    if (auto servable = check_servable(disk); !servable) return std::unexpected(servable.error());
    XsDomainFacts facts;
    facts.domid = dom;
    facts.backend_domid = backend_domid_;
    return attach(dom, DeviceKind::kVbd, disk.devid, vbd_layout(disk, facts), timeout);
}

Result<uint32_t> Devices::attach_nic(DomId dom, const Uuid& uuid, VifSpec vif,
                                     std::chrono::milliseconds timeout) {
    if (!vif.devid) {
        auto ids = xs_.list(domain_path(dom) + "/device/vif");
        if (!ids) return std::unexpected(ids.error());
        uint32_t next = 0;
        for (const std::string& id : *ids) {
            if (auto n = number(id); n && *n >= 0) next = std::max(next, static_cast<uint32_t>(*n) + 1);
        }
        vif.devid = next;
    }
    XsDomainFacts facts;
    facts.domid = dom;
    facts.backend_domid = backend_domid_;
    return attach(dom, DeviceKind::kVif, *vif.devid, vif_layout(vif, uuid, facts), timeout);
}

Result<void> Devices::detach(DomId dom, DeviceKind kind, uint32_t devid,
                             std::chrono::milliseconds timeout, bool force) {
    const std::string front = frontend(dom, kind, devid);
    const std::string back = backend(dom, kind, devid);
    auto present = xs_.read(back + "/state");
    if (!present) return std::unexpected(present.error());
    if (!*present) {
        return fail("domain " + std::to_string(dom) + " has no " + std::string(to_string(kind)) +
                    " " + std::to_string(devid));
    }
    const XsEntry closing[] = {{back + "/online", "0", {}},
                               {back + "/state", std::to_string(kClosing), {}}};
    if (auto w = xs_.write(closing); !w) return std::unexpected(w.error());
    auto closed = xs_.wait_for(
        back + "/state", [](const auto& v) { return !v || number(v).value_or(0) >= kClosed; },
        timeout);
    if (!closed) return std::unexpected(closed.error());
    if (!*closed && !force) {
        return fail("the backend of " + std::string(to_string(kind)) + " " +
                    std::to_string(devid) + " did not close within " +
                    std::to_string(timeout.count() / 1000) + " s (use --force to remove it anyway)");
    }
    const std::string paths[] = {front, back};
    return xs_.remove(paths);
}

Result<std::vector<DeviceInfo>> Devices::list(DomId dom, DeviceKind kind) {
    const std::string dir = domain_path(dom) + "/device/" + std::string(to_string(kind));
    auto ids = xs_.list(dir);
    if (!ids) return std::unexpected(ids.error());
    std::vector<DeviceInfo> out;
    for (const std::string& id : *ids) {
        auto devid = number(id);
        if (!devid || *devid < 0) continue;  // not a device a toolstack made
        const std::string f = dir + "/" + id;
        DeviceInfo d;
        d.devid = static_cast<uint32_t>(*devid);
        d.backend_id = static_cast<uint32_t>(number(xs_.read(f + "/backend-id").value_or(std::nullopt)).value_or(0));
        d.state = number(xs_.read(f + "/state").value_or(std::nullopt)).value_or(0);
        d.evtchn = or_dash(xs_.read(f + "/event-channel"));
        if (kind == DeviceKind::kVbd) {
            d.ring_ref = or_dash(xs_.read(f + "/ring-ref"));
        } else {
            d.ring_ref = or_dash(xs_.read(f + "/tx-ring-ref")) + "/" + or_dash(xs_.read(f + "/rx-ring-ref"));
            d.mac = or_dash(xs_.read(f + "/mac"), "-");
        }
        d.backend_path = or_dash(xs_.read(f + "/backend"), "-");
        out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.devid < b.devid; });
    return out;
}

Result<uint32_t> Devices::find(DomId dom, DeviceKind kind, std::string_view which) {
    auto devices = list(dom, kind);
    if (!devices) return std::unexpected(devices.error());
    std::optional<uint32_t> id;
    if (auto n = number(std::string(which)); n && *n >= 0) {
        id = static_cast<uint32_t>(*n);
    } else if (kind == DeviceKind::kVbd) {
        auto v = vdev_to_devid(which);
        if (!v) return std::unexpected(v.error());
        id = *v;
    } else {
        for (const DeviceInfo& d : *devices)
            if (d.mac == which) id = d.devid;
    }
    for (const DeviceInfo& d : *devices)
        if (id && d.devid == *id) return d.devid;
    return fail("domain " + std::to_string(dom) + " has no " + std::string(to_string(kind)) +
                " \"" + std::string(which) + "\"");
}

}  // namespace tessera::toolstack
