// Small interfaces over the dom0 devices a ring connection needs, so that the ring transport can
// run against in-memory fakes on the host: a mapped ring page and a bound event channel.
#pragma once

#include <cstdint>
#include <memory>

#include "perms.hpp"
#include "xs/wire.hpp"

namespace tessera::xenstored {

/// A mapped xenstore ring page; unmapped on destruction.
class RingMapping {
public:
    virtual ~RingMapping() = default;
    virtual xenstore_domain_interface& page() = 0;
};

/// One interdomain event channel bound to the domain's port; unbound on destruction.
class EventPort {
public:
    virtual ~EventPort() = default;
    /// File descriptor that becomes readable when the remote end notified us.
    virtual int fd() const = 0;
    /// Consume the pending notification and unmask the port.
    virtual void acknowledge() = 0;
    /// Notify the remote end.
    virtual void notify() = 0;
};

/// Factory for mappings and event channels. Errors are errno values.
class XenDevices {
public:
    virtual ~XenDevices() = default;
    /// Map a guest's ring through its reserved grant reference (GNTTAB_RESERVED_XENSTORE).
    virtual std::unique_ptr<RingMapping> map_guest_ring(DomId domid, int& err) = 0;
    /// Map dom0's own ring (/proc/xen/xsd_kva) and read its port (/proc/xen/xsd_port).
    virtual std::unique_ptr<RingMapping> map_dom0_ring(std::uint32_t& port, int& err) = 0;
    /// Bind an interdomain event channel to (domid, remote_port).
    virtual std::unique_ptr<EventPort> bind(DomId domid, std::uint32_t remote_port, int& err) = 0;
};

/// The real devices: /dev/xen/gntdev, /dev/xen/evtchn and /proc/xen/xsd_{kva,port}.
std::unique_ptr<XenDevices> make_linux_xen_devices();

}  // namespace tessera::xenstored
