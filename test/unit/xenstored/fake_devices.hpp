// In-memory stand-ins for the ring page and event channel, plus a guest-side ring driver.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "xen_devices.hpp"
#include "xs/wire.hpp"

namespace tessera::xenstored::test {

/// The guest's side of a ring page: writes requests, reads responses.
struct Guest {
    xenstore_domain_interface& page;

    /// Put bytes into req[] (as many as fit); returns how many.
    std::size_t send(std::string_view bytes) {
        std::size_t n = 0;
        while (n < bytes.size() && page.req_prod - page.req_cons < XENSTORE_RING_SIZE) {
            page.req[MASK_XENSTORE_IDX(page.req_prod)] = bytes[n++];
            ++page.req_prod;
        }
        return n;
    }
    /// Take everything in rsp[].
    std::string receive() {
        std::string out;
        while (page.rsp_cons != page.rsp_prod) {
            out.push_back(page.rsp[MASK_XENSTORE_IDX(page.rsp_cons)]);
            ++page.rsp_cons;
        }
        return out;
    }
};

class FakeMapping final : public RingMapping {
public:
    explicit FakeMapping(xenstore_domain_interface* page) : page_(page) {}
    xenstore_domain_interface& page() override { return *page_; }

private:
    xenstore_domain_interface* page_;
};

/// An event channel whose "remote notified us" side is an eventfd the test writes to.
class FakePort final : public EventPort {
public:
    explicit FakePort(int* notified)
        : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), notified_(notified) {}
    ~FakePort() override { ::close(fd_); }
    int fd() const override { return fd_; }
    void acknowledge() override {
        std::uint64_t v = 0;
        [[maybe_unused]] auto n = ::read(fd_, &v, sizeof v);
    }
    void notify() override { ++*notified_; }
    /// The guest kicks the daemon.
    void kick() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
    }

private:
    int fd_;
    int* notified_;
};

/// Hands out one page per domain id; remembers the last port bound for kicking.
class FakeDevices final : public XenDevices {
public:
    std::unique_ptr<RingMapping> map_guest_ring(DomId domid, int& err) override {
        if (domid == refuse) {
            err = ENOENT;
            return nullptr;
        }
        return std::make_unique<FakeMapping>(&pages[domid % 8]);
    }
    std::unique_ptr<RingMapping> map_dom0_ring(std::uint32_t& port, int&) override {
        port = 1;
        return std::make_unique<FakeMapping>(&pages[0]);
    }
    std::unique_ptr<EventPort> bind(DomId domid, std::uint32_t, int&) override {
        auto p = std::make_unique<FakePort>(&notified);
        last_port = p.get();
        ports[domid % 8] = p.get();
        return p;
    }

    xenstore_domain_interface pages[8] = {};
    int notified = 0;
    FakePort* last_port = nullptr;
    FakePort* ports[8] = {};
    DomId refuse = 0xFFFF;
};

}  // namespace tessera::xenstored::test
