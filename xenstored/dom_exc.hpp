// Domain death in dom0, as Xen's xenstored notices it: VIRQ_DOM_EXC (raised by the hypervisor
// when a domain shuts down, crashes or dies) is bound through /dev/xen/evtchn, and on each
// firing every introduced domain is looked up with XEN_DOMCTL_getdomaininfo
// (Daemon::check_domains decides what to do). Both devices sit behind the dom0 libraries'
// interfaces (EventChannels, Hypervisor), so the host tests run it against their fakes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "daemon.hpp"
#include "evtchn/event_channels.hpp"
#include "hvcall/hypervisor.hpp"

namespace tessera::xenstored {

/// The hypervisor's word on one domain: XEN_DOMCTL_getdomaininfo reduced to a DomainStatus.
/// A failure other than "no such domain" is kUnknown, with its message in *error if given.
DomainStatus query_domain_status(xen::Hypervisor& hv, DomId id, std::string* error = nullptr);

class DomainExceptionWatch {
public:
    /// `events` and `hv` must outlive this object; `log` receives one line per message
    /// (default: stderr).
    DomainExceptionWatch(boost::asio::io_context& io, Daemon& daemon, xen::EventChannels& events,
                         xen::Hypervisor& hv,
                         std::function<void(const std::string&)> log = nullptr);
    ~DomainExceptionWatch();
    DomainExceptionWatch(const DomainExceptionWatch&) = delete;
    DomainExceptionWatch& operator=(const DomainExceptionWatch&) = delete;

    /// Bind VIRQ_DOM_EXC and start waiting for it on the event loop.
    xen::Result<void> start();
    /// Stop waiting (the VIRQ stays bound until the EventChannels object closes).
    void stop();
    /// Look at every introduced domain now, as a VIRQ does (also useful after a restore).
    void check();

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace tessera::xenstored
