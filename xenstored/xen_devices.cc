// Linux dom0 implementation of XenDevices (gntdev, evtchn, xenfs).
#include "xen_devices.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

// xen.h must come first: it defines domid_t, which evtchn.h uses.
// clang-format off
extern "C" {
#include <xen/xen.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>
}
// clang-format on

namespace tessera::xenstored {

namespace {

constexpr std::size_t kPageSize = 4096;

/// An owned file descriptor.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Fd& operator=(Fd&&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

class GrantMapping final : public RingMapping {
public:
    GrantMapping(Fd fd, void* addr, std::uint64_t index)
        : fd_(std::move(fd)), addr_(addr), index_(index) {}
    ~GrantMapping() override {
        ::munmap(addr_, kPageSize);
        ioctl_gntdev_unmap_grant_ref unmap{};
        unmap.index = index_;
        unmap.count = 1;
        ::ioctl(fd_.get(), IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
    }
    xenstore_domain_interface& page() override {
        return *static_cast<xenstore_domain_interface*>(addr_);
    }

private:
    Fd fd_;
    void* addr_;
    std::uint64_t index_;
};

class KvaMapping final : public RingMapping {
public:
    KvaMapping(Fd fd, void* addr) : fd_(std::move(fd)), addr_(addr) {}
    ~KvaMapping() override { ::munmap(addr_, kPageSize); }
    xenstore_domain_interface& page() override {
        return *static_cast<xenstore_domain_interface*>(addr_);
    }

private:
    Fd fd_;
    void* addr_;
};

class EvtchnPort final : public EventPort {
public:
    EvtchnPort(Fd fd, std::uint32_t local) : fd_(std::move(fd)), local_(local) {}
    ~EvtchnPort() override {
        ioctl_evtchn_unbind unbind{local_};
        ::ioctl(fd_.get(), IOCTL_EVTCHN_UNBIND, &unbind);
    }
    int fd() const override { return fd_.get(); }
    void acknowledge() override {
        std::uint32_t port = 0;
        if (::read(fd_.get(), &port, sizeof port) == sizeof port) {
            [[maybe_unused]] auto n = ::write(fd_.get(), &port, sizeof port);  // unmask
        }
    }
    void notify() override {
        ioctl_evtchn_notify n{local_};
        ::ioctl(fd_.get(), IOCTL_EVTCHN_NOTIFY, &n);
    }

private:
    Fd fd_;
    std::uint32_t local_;
};

class LinuxXenDevices final : public XenDevices {
public:
    std::unique_ptr<RingMapping> map_guest_ring(DomId domid, int& err) override {
        Fd fd(::open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC));
        if (fd.get() < 0) return fail(err);
        ioctl_gntdev_map_grant_ref map{};
        map.count = 1;
        map.refs[0].domid = domid;
        map.refs[0].ref = xs::kXenstoreGrantRef;
        if (::ioctl(fd.get(), IOCTL_GNTDEV_MAP_GRANT_REF, &map) != 0) return fail(err);
        void* addr = ::mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(),
                            static_cast<off_t>(map.index));
        if (addr == MAP_FAILED) return fail(err);
        return std::make_unique<GrantMapping>(std::move(fd), addr, map.index);
    }

    std::unique_ptr<RingMapping> map_dom0_ring(std::uint32_t& port, int& err) override {
        std::FILE* f = std::fopen("/proc/xen/xsd_port", "r");
        if (f == nullptr) return fail(err);
        unsigned p = 0;
        const bool ok = std::fscanf(f, "%u", &p) == 1;
        std::fclose(f);
        if (!ok) {
            err = EIO;
            return nullptr;
        }
        port = p;
        Fd fd(::open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC));
        if (fd.get() < 0) return fail(err);
        void* addr = ::mmap(nullptr, kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
        if (addr == MAP_FAILED) return fail(err);
        return std::make_unique<KvaMapping>(std::move(fd), addr);
    }

    std::unique_ptr<EventPort> bind(DomId domid, std::uint32_t remote_port, int& err) override {
        Fd fd(::open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC | O_NONBLOCK));
        if (fd.get() < 0) return fail_port(err);
        ioctl_evtchn_bind_interdomain bind{domid, remote_port};
        const int local = ::ioctl(fd.get(), IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
        if (local < 0) return fail_port(err);
        return std::make_unique<EvtchnPort>(std::move(fd), static_cast<std::uint32_t>(local));
    }

private:
    static std::unique_ptr<RingMapping> fail(int& err) {
        err = errno != 0 ? errno : EIO;
        return nullptr;
    }
    static std::unique_ptr<EventPort> fail_port(int& err) {
        err = errno != 0 ? errno : EIO;
        return nullptr;
    }
};

}  // namespace

std::unique_ptr<XenDevices> make_linux_xen_devices() {
    return std::make_unique<LinuxXenDevices>();
}

}  // namespace tessera::xenstored
