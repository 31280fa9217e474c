// FakeEventHub and FakeEventChannels: Xen's event channels and Linux's evtchn device in memory.
#include "evtchn/fake_event_channels.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace tessera::xen {

namespace {

std::string where(domid_t domid, evtchn_port_t port) {
    return "d" + std::to_string(domid) + " port " + std::to_string(port);
}

}  // namespace

FakeEventHub::Port* FakeEventHub::find(domid_t domid, evtchn_port_t port) {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return nullptr;
    auto p = d->second.find(port);
    return p == d->second.end() ? nullptr : &p->second;
}

std::optional<FakeEventHub::Port> FakeEventHub::port(domid_t domid, evtchn_port_t port) const {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return std::nullopt;
    auto p = d->second.find(port);
    if (p == d->second.end()) return std::nullopt;
    return p->second;
}

evtchn_port_t FakeEventHub::allocate(domid_t domid) {
    auto& ports = domains_[domid];
    evtchn_port_t port = 1;
    while (ports.contains(port)) ++port;
    ports[port] = Port{};
    return port;
}

Result<evtchn_port_t> FakeEventHub::alloc_unbound(domid_t domid, domid_t remote) {
    if (!has_domain(domid)) return fail(ESRCH, "alloc_unbound: no d" + std::to_string(domid));
    const evtchn_port_t port = allocate(domid);
    domains_[domid][port].remote_dom = remote;
    return port;
}

Result<evtchn_port_t> FakeEventHub::bind_interdomain(domid_t domid, domid_t remote,
                                                     evtchn_port_t remote_port) {
    if (!has_domain(domid) || !has_domain(remote)) {
        return fail(ESRCH, "bind_interdomain: no such domain");
    }
    Port* peer = find(remote, remote_port);
    if (peer == nullptr || peer->state != State::unbound || peer->remote_dom != domid) {
        return fail(EINVAL, "bind_interdomain: " + where(remote, remote_port) +
                                " is not unbound for d" + std::to_string(domid));
    }
    const evtchn_port_t port = allocate(domid);
    Port& local = domains_[domid][port];
    local.state = State::interdomain;
    local.remote_dom = remote;
    local.remote_port = remote_port;
    peer->state = State::interdomain;
    peer->remote_port = port;
    return port;
}

Result<evtchn_port_t> FakeEventHub::bind_virq(domid_t domid, std::uint32_t virq) {
    if (!has_domain(domid)) return fail(ESRCH, "bind_virq: no d" + std::to_string(domid));
    if (virq >= NR_VIRQS) return fail(EINVAL, "bind_virq: VIRQ " + std::to_string(virq));
    for (const auto& [number, p] : domains_[domid]) {
        if (p.state == State::virq && p.virq == virq) {
            return fail(EEXIST, "bind_virq: VIRQ " + std::to_string(virq) + " already bound");
        }
    }
    const evtchn_port_t port = allocate(domid);
    Port& p = domains_[domid][port];
    p.state = State::virq;
    p.virq = virq;
    return port;
}

Result<void> FakeEventHub::send(domid_t domid, evtchn_port_t port) {
    Port* p = find(domid, port);
    if (p == nullptr) return fail(EINVAL, "send: " + where(domid, port) + " not allocated");
    if (p->state == State::virq) return fail(EINVAL, "send: " + where(domid, port) + " is a VIRQ");
    if (p->state == State::interdomain) signal(p->remote_dom, p->remote_port);
    return {};  // unbound: dropped
}

Result<void> FakeEventHub::close(domid_t domid, evtchn_port_t port) {
    Port* p = find(domid, port);
    if (p == nullptr) return fail(EINVAL, "close: " + where(domid, port) + " not allocated");
    if (p->state == State::interdomain) {
        if (Port* peer = find(p->remote_dom, p->remote_port)) {
            peer->state = State::unbound;
            peer->remote_dom = domid;
            peer->remote_port = 0;
        }
    }
    domains_[domid].erase(port);
    return {};
}

void FakeEventHub::raise_virq(domid_t domid, std::uint32_t virq) {
    auto d = domains_.find(domid);
    if (d == domains_.end()) return;
    for (auto& [number, p] : d->second) {
        if (p.state == State::virq && p.virq == virq) deliver(domid, number, p);
    }
}

void FakeEventHub::signal(domid_t domid, evtchn_port_t port) {
    if (Port* p = find(domid, port)) deliver(domid, port, *p);
}

void FakeEventHub::deliver(domid_t, evtchn_port_t port, Port& p) {
    ++p.signalled;
    if (p.owner == nullptr) return;
    if (p.masked) {
        p.pending = true;
        return;
    }
    p.masked = true;
    p.pending = false;
    p.owner->fire(port);
}

FakeEventChannels::FakeEventChannels(FakeEventHub& hub, domid_t self)
    : hub_(hub), self_(self), eventfd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    hub_.add_domain(self);
}

FakeEventChannels::~FakeEventChannels() {
    std::vector<evtchn_port_t> mine;
    for (const auto& [number, p] : hub_.domains_[self_]) {
        if (p.owner == this) mine.push_back(number);
    }
    for (evtchn_port_t port : mine) (void)hub_.close(self_, port);
}

Result<evtchn_port_t> FakeEventChannels::adopt(Result<evtchn_port_t> port) {
    if (port) hub_.find(self_, *port)->owner = this;
    return port;
}

Result<evtchn_port_t> FakeEventChannels::bind_interdomain(domid_t remote,
                                                          evtchn_port_t remote_port) {
    if (restricted_ && *restricted_ != remote) return fail(EACCES, "evtchn restricted");
    return adopt(hub_.bind_interdomain(self_, remote, remote_port));
}

Result<evtchn_port_t> FakeEventChannels::bind_unbound_port(domid_t remote) {
    if (restricted_) return fail(EACCES, "evtchn restricted");
    return adopt(hub_.alloc_unbound(self_, remote));
}

Result<evtchn_port_t> FakeEventChannels::bind_virq(std::uint32_t virq) {
    if (restricted_) return fail(EACCES, "evtchn restricted");
    return adopt(hub_.bind_virq(self_, virq));
}

Result<FakeEventHub::Port*> FakeEventChannels::owned(evtchn_port_t port, const char* what) {
    FakeEventHub::Port* p = hub_.find(self_, port);
    if (p == nullptr || p->owner != this) {
        return fail(ENOTCONN, std::string(what) + ": port " + std::to_string(port) + " not bound");
    }
    return p;
}

Result<void> FakeEventChannels::unbind(evtchn_port_t port) {
    if (auto p = owned(port, "unbind"); !p) return std::unexpected(p.error());
    std::erase(fired_, port);
    return hub_.close(self_, port);
}

Result<void> FakeEventChannels::notify(evtchn_port_t port) {
    if (auto p = owned(port, "notify"); !p) return std::unexpected(p.error());
    return hub_.send(self_, port);
}

void FakeEventChannels::fire(evtchn_port_t port) {
    fired_.push_back(port);
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(eventfd_.get(), &one, sizeof one);
}

Result<std::vector<evtchn_port_t>> FakeEventChannels::pending() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(eventfd_.get(), &count, sizeof count);
    std::vector<evtchn_port_t> out(fired_.begin(), fired_.end());
    fired_.clear();
    return out;
}

Result<void> FakeEventChannels::unmask(evtchn_port_t port) {
    FakeEventHub::Port* p = hub_.find(self_, port);
    if (p == nullptr || p->owner != this || !p->masked) return {};
    p->masked = false;
    if (p->pending) {
        p->pending = false;
        --p->signalled;  // deliver() counts it again
        hub_.deliver(self_, port, *p);
    }
    return {};
}

Result<void> FakeEventChannels::restrict_domid(domid_t domid) {
    if (restricted_) return fail(EACCES, "evtchn already restricted");
    if (domid == 0 || domid >= DOMID_FIRST_RESERVED) return fail(EINVAL, "bad restrict domid");
    restricted_ = domid;
    return {};
}

}  // namespace tessera::xen
