// Test doubles for the console daemon: an in-memory xenstore (FakeStore), and a world of fake
// guests (FakeWorld memory and grants, FakeEventHub event channels, FakeHypervisor domain
// info) with a guest-side console driver.
#pragma once

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "console_store.hpp"
#include "evtchn/fake_event_channels.hpp"
#include "foreignmem/fake_foreign_memory.hpp"
#include "gnttab/fake_grants.hpp"
#include "hvcall/fake_hypervisor.hpp"
#include "ring/byte_ring.hpp"

namespace tessera::consoled::test {

namespace xen = tessera::xen;

/// xenstore in memory: nodes, watches that fire on a path and its descendants (and once when
/// set, as xenstored does), events announced on an eventfd.
class FakeStore final : public ConsoleStore {
public:
    FakeStore() : efd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~FakeStore() override { ::close(efd_); }

    xs::Result<std::string> read(const std::string& path) override {
        ++requests;
        const auto it = nodes.find(path);
        if (it == nodes.end()) return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        return it->second;
    }
    xs::Result<void> write(const std::string& path, const std::string& value) override {
        ++requests;
        set(path, value);
        return {};
    }
    xs::Result<std::vector<std::string>> directory(const std::string& path) override {
        ++requests;
        if (!nodes.contains(path)) return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        std::vector<std::string> out;
        const std::string prefix = path + "/";
        for (const auto& [p, v] : nodes) {
            if (p.starts_with(prefix) && p.find('/', prefix.size()) == std::string::npos) {
                out.push_back(p.substr(prefix.size()));
            }
        }
        return out;
    }
    xs::Result<void> watch(const std::string& path, const std::string& token) override {
        watches.emplace_back(path, token);
        queue(path, token);
        return {};
    }
    xs::Result<void> unwatch(const std::string& path, const std::string& token) override {
        const auto n = std::erase(watches, std::pair{path, token});
        if (n == 0) return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        return {};
    }
    int native_handle() const override { return efd_; }
    xs::Result<std::vector<xs::WatchEvent>> take_events() override {
        std::uint64_t n = 0;
        [[maybe_unused]] auto r = ::read(efd_, &n, sizeof n);
        if (broken) return std::unexpected(xs::Error{EPIPE, "xenstored closed the connection"});
        std::vector<xs::WatchEvent> out(events_.begin(), events_.end());
        events_.clear();
        return out;
    }

    // What the toolstack (or xenstored) does.
    void set(const std::string& path, const std::string& value) {
        for (auto slash = path.find('/', 1); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            nodes.try_emplace(path.substr(0, slash));
        }
        nodes[path] = value;
        fire(path);
    }
    void rm(const std::string& path) {
        std::erase_if(nodes, [&](const auto& n) {
            return n.first == path || n.first.starts_with(path + "/");
        });
        fire(path);
    }
    void fire(const std::string& path) {
        for (const auto& [w, token] : watches) {
            const bool hit = path == w || (w[0] != '@' && path.starts_with(w + "/")) ||
                             (w[0] != '@' && w.starts_with(path + "/"));  // a removed ancestor
            if (hit) queue(path, token);
        }
    }
    std::string value(const std::string& path) const {
        const auto it = nodes.find(path);
        return it == nodes.end() ? std::string("<missing>") : it->second;
    }

    std::map<std::string, std::string> nodes{{"/local", ""}, {"/local/domain", ""}};
    std::vector<std::pair<std::string, std::string>> watches;
    unsigned requests = 0;
    bool broken = false;

private:
    void queue(const std::string& path, const std::string& token) {
        events_.push_back({path, token});
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(efd_, &one, sizeof one);
    }
    int efd_;
    std::deque<xs::WatchEvent> events_;
};

/// Everything a dom0 daemon talks to, faked: guests' memory and grants, event channels, and a
/// hypervisor answering getdomaininfo from `flags` (domid -> XEN_DOMINF_*; absent = no domain).
struct World {
    World() {
        hv.on_domctl(XEN_DOMCTL_getdomaininfo, [this](xen_domctl& op) -> long {
            const auto it = flags.lower_bound(op.domain);
            if (it == flags.end()) return -ESRCH;
            op.u.getdomaininfo.domain = it->first;
            op.u.getdomaininfo.flags = it->second;
            return 0;
        });
    }
    xen::FakeWorld memory;
    xen::FakeEventHub hub;
    xen::FakeEventChannels events{hub, 0};
    xen::FakeGrantMapper grants{memory, 0};
    xen::FakeForeignMemory foreign{memory};
    xen::FakeHypervisor hv;
    std::map<domid_t, std::uint32_t> flags{{0, XEN_DOMINF_running}};
};

/// A guest with a console page at `gfn`, granted to dom0 as ref 0 unless `grant` is false, and
/// an unbound port for dom0 (what the toolstack sets up), plus its side of the console driver.
struct Guest {
    static constexpr xen_pfn_t kFirstGfn = 0x1000;
    static constexpr xen_pfn_t kConsoleGfn = kFirstGfn + 2;

    Guest(World& w, domid_t id, bool grant = true) : world(w), domid(id) {
        auto d = world.memory.add_domain(id, kFirstGfn, 4);
        REQUIRE(d);
        dom = *d;
        if (grant) dom->grant_access(GNTTAB_RESERVED_CONSOLE, 0, kConsoleGfn, false);
        world.hub.add_domain(id);
        port = world.hub.alloc_unbound(id, 0).value();
        world.flags[id] = XEN_DOMINF_running;
    }
    xencons_interface& page() const {
        return *reinterpret_cast<xencons_interface*>(dom->page(kConsoleGfn).data());
    }
    /// Put as much of `bytes` as fits in the output ring and notify; returns how much.
    std::size_t print(std::string_view bytes) {
        xen::ring::ConsoleFrontend front(page());
        const auto n = front.output.write(bytes).value();
        kick();
        return n;
    }
    /// Take whatever input dom0 gave us, and tell it so.
    std::string take_input() {
        xen::ring::ConsoleFrontend front(page());
        char buf[sizeof(xencons_interface::in)];
        const auto n = front.input.read(buf).value();
        if (n > 0) kick();
        return std::string(buf, n);
    }
    void kick() { (void)world.hub.send(domid, port); }
    /// Notifications dom0 sent us.
    unsigned notified() const { return world.hub.port(domid, port)->signalled; }

    World& world;
    domid_t domid;
    xen::FakeDomain* dom = nullptr;
    evtchn_port_t port = 0;
};

/// A fresh directory under /tmp, removed at the end.
struct TempDir {
    TempDir() {
        static int n = 0;
        path = std::filesystem::temp_directory_path() /
               ("consoled-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
    std::filesystem::path path;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Everything readable now on a (non-blocking) descriptor.
inline std::string drain_fd(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    std::string out;
    char buf[4096];
    for (;;) {
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::fcntl(fd, F_SETFL, flags);
    return out;
}

/// Run ready handlers until `pred` holds (or give up after many rounds).
template <class Pred>
bool pump(boost::asio::io_context& io, Pred pred, int rounds = 2000) {
    for (int i = 0; i < rounds && !pred(); ++i) {
        io.restart();
        io.poll();
        if (!pred()) io.run_for(std::chrono::microseconds(200));
    }
    return pred();
}

}  // namespace tessera::consoled::test
