// DeviceEventChannels: the ioctls, read() and write() of Linux's evtchn driver.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>

#include "evtchn/event_channels.hpp"

#include <xen/sys/evtchn.h>

namespace tessera::xen {

namespace {

template <class Arg>
Result<evtchn_port_t> bind(int fd, unsigned long request, Arg& arg, const char* what) {
    // A successful bind ioctl returns the new local port.
    const int port = ::ioctl(fd, request, &arg);
    if (port < 0) return fail_errno(what);
    return static_cast<evtchn_port_t>(port);
}

}  // namespace

Result<DeviceEventChannels> DeviceEventChannels::open(const std::string& path) {
    auto fd = open_device(path, O_NONBLOCK);
    if (!fd) return std::unexpected(fd.error());
    return DeviceEventChannels(std::move(*fd));
}

Result<evtchn_port_t> DeviceEventChannels::bind_interdomain(domid_t remote,
                                                            evtchn_port_t remote_port) {
    ioctl_evtchn_bind_interdomain arg{};
    arg.remote_domain = remote;
    arg.remote_port = remote_port;
    return bind(fd_.get(), IOCTL_EVTCHN_BIND_INTERDOMAIN, arg, "IOCTL_EVTCHN_BIND_INTERDOMAIN");
}

Result<evtchn_port_t> DeviceEventChannels::bind_unbound_port(domid_t remote) {
    ioctl_evtchn_bind_unbound_port arg{};
    arg.remote_domain = remote;
    return bind(fd_.get(), IOCTL_EVTCHN_BIND_UNBOUND_PORT, arg, "IOCTL_EVTCHN_BIND_UNBOUND_PORT");
}

Result<evtchn_port_t> DeviceEventChannels::bind_virq(std::uint32_t virq) {
    ioctl_evtchn_bind_virq arg{};
    arg.virq = virq;
    return bind(fd_.get(), IOCTL_EVTCHN_BIND_VIRQ, arg, "IOCTL_EVTCHN_BIND_VIRQ");
}

Result<void> DeviceEventChannels::unbind(evtchn_port_t port) {
    ioctl_evtchn_unbind arg{};
    arg.port = port;
    if (::ioctl(fd_.get(), IOCTL_EVTCHN_UNBIND, &arg) < 0) {
        return fail_errno("IOCTL_EVTCHN_UNBIND " + std::to_string(port));
    }
    return {};
}

Result<void> DeviceEventChannels::notify(evtchn_port_t port) {
    ioctl_evtchn_notify arg{};
    arg.port = port;
    if (::ioctl(fd_.get(), IOCTL_EVTCHN_NOTIFY, &arg) < 0) {
        return fail_errno("IOCTL_EVTCHN_NOTIFY " + std::to_string(port));
    }
    return {};
}

Result<std::vector<evtchn_port_t>> DeviceEventChannels::pending() {
    std::vector<evtchn_port_t> out;
    std::array<evtchn_port_t, 64> ports{};
    for (;;) {
        const ssize_t n = ::read(fd_.get(), ports.data(), sizeof ports);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            // EFBIG: the driver's ring overflowed; only RESET clears it.
            return fail_errno("read " + std::string(kEvtchnDevice));
        }
        const auto count = static_cast<std::size_t>(n) / sizeof(evtchn_port_t);
        out.insert(out.end(), ports.begin(), ports.begin() + static_cast<std::ptrdiff_t>(count));
        if (count < ports.size()) break;
    }
    return out;
}

Result<void> DeviceEventChannels::unmask(evtchn_port_t port) {
    for (;;) {
        if (::write(fd_.get(), &port, sizeof port) == static_cast<ssize_t>(sizeof port)) return {};
        if (errno != EINTR) return fail_errno("unmask port " + std::to_string(port));
    }
}

Result<void> DeviceEventChannels::restrict_domid(domid_t domid) {
    ioctl_evtchn_restrict_domid arg{};
    arg.domid = domid;
    if (::ioctl(fd_.get(), IOCTL_EVTCHN_RESTRICT_DOMID, &arg) < 0) {
        return fail_errno("IOCTL_EVTCHN_RESTRICT_DOMID");
    }
    return {};
}

}  // namespace tessera::xen
