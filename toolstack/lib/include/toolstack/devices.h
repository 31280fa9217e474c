// PV disks and network interfaces of a running guest: what xl block-attach/-detach/-list and
// network-attach/-detach/-list do (libxl's device_add/device_remove over xenstore).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "toolstack/disk_spec.h"
#include "toolstack/vif_spec.h"
#include "toolstack/xs_domains.h"

namespace tessera::toolstack {

enum class DeviceKind { kVbd, kVif };
std::string_view to_string(DeviceKind kind);

/// One device as xl block-list / network-list show it, from the frontend's nodes.
struct DeviceInfo {
    uint32_t devid = 0;
    uint32_t backend_id = 0;
    int state = 0;             ///< the frontend's XenbusState (xen/io/xenbus.h)
    std::string evtchn;        ///< "event-channel", -1 when unset
    std::string ring_ref;      ///< vbd: "ring-ref"; vif: "tx-ring-ref/rx-ring-ref"
    std::string backend_path;  ///< the backend directory
    std::string mac;           ///< vif only
};

class Devices {
public:
    explicit Devices(XenstoreDomains& xs, DomId backend_domid = 0)
        : xs_(xs), backend_domid_(backend_domid) {}

    /// Writes the disk's frontend and backend nodes and waits up to `timeout` for the backend
    /// to take the device (state InitWait or later). Without an answer the nodes are removed
    /// again and the error says no backend answered. Returns the device id.
    Result<uint32_t> attach_disk(DomId dom, const DiskSpec& disk,
                                 std::chrono::milliseconds timeout);
    /// The same for a vif; without devid= it gets the next free index.
    Result<uint32_t> attach_nic(DomId dom, const Uuid& uuid, VifSpec vif,
                                std::chrono::milliseconds timeout);
    /// Asks the backend to close the device (online 0, state Closing), waits up to `timeout`
    /// for it to reach Closed, then removes both directories. With `force` the directories
    /// go even when the backend did not answer.
    Result<void> detach(DomId dom, DeviceKind kind, uint32_t devid,
                        std::chrono::milliseconds timeout, bool force);
    /// The domain's devices of `kind`, by device id.
    Result<std::vector<DeviceInfo>> list(DomId dom, DeviceKind kind);
    /// The device id `which` names: for a vbd its vdev ("xvdb") or number, for a vif its index
    /// or MAC address. "no such device" if the domain has none.
    Result<uint32_t> find(DomId dom, DeviceKind kind, std::string_view which);

private:
    Result<uint32_t> attach(DomId dom, DeviceKind kind, uint32_t devid,
                            const std::vector<XsEntry>& entries, std::chrono::milliseconds timeout);
    std::string frontend(DomId dom, DeviceKind kind, uint32_t devid) const;
    std::string backend(DomId dom, DeviceKind kind, uint32_t devid) const;

    XenstoreDomains& xs_;
    DomId backend_domid_;
};

}  // namespace tessera::toolstack
