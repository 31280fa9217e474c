// FakeEventHub models Xen's event-channel table for several domains; FakeEventChannels is one
// open /dev/xen/evtchn in one of them. Modelled behaviour and its sources:
//  - ports are allocated lowest-first from 1 (Xen get_free_port; port 0 is never valid);
//  - bind_interdomain needs the remote port unbound and reserved for us, else EINVAL; an unknown
//    domain is ESRCH (xen/common/event_channel.c evtchn_bind_interdomain);
//  - closing one end of an interdomain channel leaves the other end unbound, waiting for us;
//    sending on an unbound port is silently dropped (evtchn_close, evtchn_send);
//  - bind_virq of a VIRQ already bound is EEXIST, of one >= NR_VIRQS is EINVAL;
//  - a fired port is queued once and stays masked until written back; a send while masked
//    leaves it pending and it fires again on unmask (Linux evtchn.c lateeoi handling, XEN-ABI.md
//    §3.2); writing back a port we do not own is ignored;
//  - unbind/notify of a port not bound through this descriptor is ENOTCONN; after
//    RESTRICT_DOMID, binds to other domains, unbound ports and VIRQs are EACCES; restricting
//    twice is EACCES, to 0 or a reserved id EINVAL (Linux evtchn_ioctl);
//  - closing the descriptor closes its ports (Linux evtchn_release).
#pragma once

#include <deque>
#include <map>
#include <optional>

#include "evtchn/event_channels.hpp"

namespace tessera::xen {

class FakeEventChannels;

class FakeEventHub {
public:
    enum class State { unbound, interdomain, virq };
    struct Port {
        State state = State::unbound;
        domid_t remote_dom = 0;
        evtchn_port_t remote_port = 0;
        std::uint32_t virq = 0;
        FakeEventChannels* owner = nullptr;  ///< the user-space descriptor, if any
        bool masked = false;
        bool pending = false;
        unsigned signalled = 0;  ///< sends that reached this port
    };

    void add_domain(domid_t domid) { domains_[domid]; }
    bool has_domain(domid_t domid) const { return domains_.contains(domid); }

    // What a guest kernel (or Xen itself) does, for the other side of a test.
    Result<evtchn_port_t> alloc_unbound(domid_t domid, domid_t remote);
    Result<evtchn_port_t> bind_interdomain(domid_t domid, domid_t remote,
                                           evtchn_port_t remote_port);
    Result<evtchn_port_t> bind_virq(domid_t domid, std::uint32_t virq);
    Result<void> send(domid_t domid, evtchn_port_t port);
    Result<void> close(domid_t domid, evtchn_port_t port);
    /// Fire `virq` in `domid` if a port is bound to it.
    void raise_virq(domid_t domid, std::uint32_t virq);
    /// A port's state, or nullopt if it is free.
    std::optional<Port> port(domid_t domid, evtchn_port_t port) const;

private:
    friend class FakeEventChannels;
    Port* find(domid_t domid, evtchn_port_t port);
    evtchn_port_t allocate(domid_t domid);
    void signal(domid_t domid, evtchn_port_t port);
    void deliver(domid_t domid, evtchn_port_t port, Port& p);

    std::map<domid_t, std::map<evtchn_port_t, Port>> domains_;
};

class FakeEventChannels final : public EventChannels {
public:
    FakeEventChannels(FakeEventHub& hub, domid_t self);
    ~FakeEventChannels() override;
    FakeEventChannels(const FakeEventChannels&) = delete;
    FakeEventChannels& operator=(const FakeEventChannels&) = delete;

    int fd() const override { return eventfd_.get(); }
    Result<evtchn_port_t> bind_interdomain(domid_t remote, evtchn_port_t remote_port) override;
    Result<evtchn_port_t> bind_unbound_port(domid_t remote) override;
    Result<evtchn_port_t> bind_virq(std::uint32_t virq) override;
    Result<void> unbind(evtchn_port_t port) override;
    Result<void> notify(evtchn_port_t port) override;
    Result<std::vector<evtchn_port_t>> pending() override;
    Result<void> unmask(evtchn_port_t port) override;
    Result<void> restrict_domid(domid_t domid) override;

private:
    friend class FakeEventHub;
    Result<evtchn_port_t> adopt(Result<evtchn_port_t> port);
    Result<FakeEventHub::Port*> owned(evtchn_port_t port, const char* what);
    void fire(evtchn_port_t port);

    FakeEventHub& hub_;
    domid_t self_;
    std::optional<domid_t> restricted_;
    std::deque<evtchn_port_t> fired_;
    UniqueFd eventfd_;
};

}  // namespace tessera::xen
