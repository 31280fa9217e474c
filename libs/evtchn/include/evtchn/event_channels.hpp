// Event channels from dom0 user space: EventChannels over /dev/xen/evtchn (XEN-ABI.md §3.2) and
// FakeEventChannels over a FakeEventHub. fd() becomes readable when ports fire, so a daemon can
// wait on it with a Boost.Asio posix::stream_descriptor and then call pending().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

namespace tessera::xen {

class EventChannels {
public:
    virtual ~EventChannels() = default;

    /// A descriptor that polls readable while fired ports wait to be collected by pending().
    virtual int fd() const = 0;
    /// EVTCHNOP_bind_interdomain to `remote_port` of `remote` (which may be our own domain).
    virtual Result<evtchn_port_t> bind_interdomain(domid_t remote, evtchn_port_t remote_port) = 0;
    /// EVTCHNOP_alloc_unbound: a local port that `remote` may bind.
    virtual Result<evtchn_port_t> bind_unbound_port(domid_t remote) = 0;
    /// EVTCHNOP_bind_virq on vCPU 0 (e.g. VIRQ_DOM_EXC for xenstored).
    virtual Result<evtchn_port_t> bind_virq(std::uint32_t virq) = 0;
    /// EVTCHNOP_close of a port bound through this object (ENOTCONN otherwise).
    virtual Result<void> unbind(evtchn_port_t port) = 0;
    /// EVTCHNOP_send on a port bound through this object (ENOTCONN otherwise).
    virtual Result<void> notify(evtchn_port_t port) = 0;
    /// The ports that fired since the last call (never blocks; empty when none). Each stays
    /// masked until unmask(): it fires at most once until then.
    virtual Result<std::vector<evtchn_port_t>> pending() = 0;
    /// Write the port back: it may fire again (at once if it was signalled meanwhile).
    virtual Result<void> unmask(evtchn_port_t port) = 0;
    /// Only allow binds to `domid` from now on (IOCTL_EVTCHN_RESTRICT_DOMID).
    virtual Result<void> restrict_domid(domid_t domid) = 0;
};

inline constexpr const char* kEvtchnDevice = "/dev/xen/evtchn";

/// The real one. Opened non-blocking: pending() returns what is there.
class DeviceEventChannels final : public EventChannels {
public:
    static Result<DeviceEventChannels> open(const std::string& path = kEvtchnDevice);

    int fd() const override { return fd_.get(); }
    Result<evtchn_port_t> bind_interdomain(domid_t remote, evtchn_port_t remote_port) override;
    Result<evtchn_port_t> bind_unbound_port(domid_t remote) override;
    Result<evtchn_port_t> bind_virq(std::uint32_t virq) override;
    Result<void> unbind(evtchn_port_t port) override;
    Result<void> notify(evtchn_port_t port) override;
    Result<std::vector<evtchn_port_t>> pending() override;
    Result<void> unmask(evtchn_port_t port) override;
    Result<void> restrict_domid(domid_t domid) override;

private:
    explicit DeviceEventChannels(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace tessera::xen
