// Test doubles for tessera-blkback: an in-memory xenstore (FakeVbdStore), a guest with a
// blkfront-like side (FakeBlkfront: its ring on its own pages, data pages granted to dom0, an
// unbound port for dom0), and a temporary disk image.
#pragma once

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <deque>
#include <functional>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "evtchn/fake_event_channels.hpp"
#include "gnttab/fake_grants.hpp"
#include "protocol.hpp"
#include "ring/shared_ring.hpp"
#include "vbd_store.hpp"

namespace tessera::blkback::test {

namespace xen = tessera::xen;

/// xenstore in memory: nodes, watches firing on a path and its descendants (and once when
/// set), events announced on an eventfd.
class FakeVbdStore final : public VbdStore {
public:
    FakeVbdStore() : efd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~FakeVbdStore() override { ::close(efd_); }

    xs::Result<std::string> read(const std::string& path) override {
        if (on_read) on_read(path);
        const auto it = nodes.find(path);
        if (it == nodes.end()) return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        return it->second;
    }
    xs::Result<void> write(const std::string& path, const std::string& value) override {
        set(path, value);
        return {};
    }
    xs::Result<void> rm(const std::string& path) override {
        if (!nodes.contains(path)) return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        remove(path);
        return {};
    }
    xs::Result<bool> write_under(const std::string& dir, const NodeList& list) override {
        if (!nodes.contains(dir)) return false;
        for (const auto& [path, value] : list) set(path, value);
        return true;
    }
    xs::Result<std::vector<std::string>> directory(const std::string& path) override {
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
        if (std::erase(watches, std::pair{path, token}) == 0) {
            return std::unexpected(xs::Error{ENOENT, "ENOENT"});
        }
        return {};
    }
    int native_handle() const override { return efd_; }
    xs::Result<std::vector<xs::WatchEvent>> take_events() override {
        std::uint64_t n = 0;
        [[maybe_unused]] auto r = ::read(efd_, &n, sizeof n);
        std::vector<xs::WatchEvent> out(events_.begin(), events_.end());
        events_.clear();
        return out;
    }

    // What the toolstack or a guest does.
    /// Runs before every read (a test's stand-in for another client acting concurrently).
    std::function<void(const std::string&)> on_read;

    void set(const std::string& path, const std::string& value) {
        for (auto slash = path.find('/', 1); slash != std::string::npos;
             slash = path.find('/', slash + 1)) {
            nodes.try_emplace(path.substr(0, slash));
        }
        nodes[path] = value;
        fire(path);
    }
    void remove(const std::string& path) {
        std::erase_if(nodes, [&](const auto& n) {
            return n.first == path || n.first.starts_with(path + "/");
        });
        fire(path);
    }
    void fire(const std::string& path) {
        for (const auto& [w, token] : watches) {
            if (path == w || path.starts_with(w + "/") || w.starts_with(path + "/")) {
                queue(path, token);
            }
        }
    }
    std::string value(const std::string& path) const {
        const auto it = nodes.find(path);
        return it == nodes.end() ? std::string("<missing>") : it->second;
    }

    std::map<std::string, std::string> nodes{{"/local", ""}, {"/local/domain", ""}};
    std::vector<std::pair<std::string, std::string>> watches;

private:
    void queue(const std::string& path, const std::string& token) {
        events_.push_back({path, token});
        const std::uint64_t one = 1;
        [[maybe_unused]] auto r = ::write(efd_, &one, sizeof one);
    }
    int efd_;
    std::deque<xs::WatchEvent> events_;
};

/// Guest memory, grants and event channels of dom0 and its guests.
struct BlkWorld {
    xen::FakeWorld memory;
    xen::FakeEventHub hub;
    xen::FakeEventChannels events{hub, 0};
    xen::FakeGrantMapper grants{memory, 0};
};

/// A guest's blkfront side: ring pages at the start of its memory (refs 8...), data pages
/// after them (refs 100...), indirect pages (refs 600...), one event channel for dom0.
struct FakeBlkfront {
    static constexpr xen_pfn_t kFirstGfn = 0x2000;
    static constexpr unsigned kMaxRingPages = 16;
    static constexpr unsigned kDataPages = 300;
    static constexpr unsigned kIndirectPages = 8;
    static constexpr grant_ref_t kRingRef = 8;
    static constexpr grant_ref_t kDataRef = 100;
    static constexpr grant_ref_t kIndirectRef = 600;

    FakeBlkfront(BlkWorld& w, domid_t id, unsigned ring_pages = 1) : world(w), domid(id) {
        auto d = world.memory.add_domain(id, kFirstGfn, kMaxRingPages + kDataPages + kIndirectPages, 2);
        REQUIRE(d);
        dom = *d;
        world.hub.add_domain(id);
        init_ring(ring_pages);
        for (unsigned i = 0; i < kDataPages; ++i) {
            dom->grant_access(kDataRef + i, 0, kFirstGfn + kMaxRingPages + i, false);
        }
        for (unsigned i = 0; i < kIndirectPages; ++i) {
            dom->grant_access(kIndirectRef + i, 0,
                              kFirstGfn + kMaxRingPages + kDataPages + i, false);
        }
    }
    /// A fresh ring of `pages` pages and a fresh port (a frontend (re)connecting).
    void init_ring(unsigned pages) {
        ring_refs.clear();
        for (unsigned i = 0; i < pages; ++i) {
            dom->grant_access(kRingRef + i, 0, kFirstGfn + i, false);
            ring_refs.push_back(kRingRef + i);
        }
        auto area = std::span(dom->page(kFirstGfn).data(), pages * xen::kXenPageSize);
        ring.emplace(xen::ring::FrontRing<blkif_sring>::create(area).value());
        port = world.hub.alloc_unbound(domid, 0).value();
    }
    blkif_sring& sring() const { return *reinterpret_cast<blkif_sring*>(dom->page(kFirstGfn).data()); }
    std::span<std::byte> data(unsigned i) const { return dom->page(kFirstGfn + kMaxRingPages + i); }
    std::span<std::byte> indirect(unsigned i) const {
        return dom->page(kFirstGfn + kMaxRingPages + kDataPages + i);
    }
    /// Queue and publish; notify dom0 if it asked.
    void submit(const void* request, std::size_t size = sizeof(blkif_request)) {
        blkif_request r;
        std::memset(&r, 0, sizeof r);
        std::memcpy(&r, request, size);
        REQUIRE(ring->put_request(r));
        if (ring->push_requests()) (void)world.hub.send(domid, port);
    }
    std::vector<blkif_response> responses() {
        std::vector<blkif_response> out;
        while (auto r = ring->take_response().value()) out.push_back(*r);
        return out;
    }
    unsigned notified() const { return world.hub.port(domid, port)->signalled; }

    BlkWorld& world;
    domid_t domid;
    xen::FakeDomain* dom = nullptr;
    std::vector<grant_ref_t> ring_refs;
    std::optional<xen::ring::FrontRing<blkif_sring>> ring;
    evtchn_port_t port = 0;
};

/// A read or write of whole data pages: segment i is data page first_page + i, sectors 0..7.
inline blkif_request rw_request(std::uint8_t op, std::uint64_t id, std::uint64_t sector,
                                unsigned segments, unsigned first_page = 0) {
    blkif_request r;
    std::memset(&r, 0, sizeof r);
    r.operation = op;
    r.nr_segments = static_cast<std::uint8_t>(segments);
    r.id = id;
    r.sector_number = sector;
    for (unsigned i = 0; i < segments && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; ++i) {
        r.seg[i].gref = FakeBlkfront::kDataRef + first_page + i;
        r.seg[i].first_sect = 0;
        r.seg[i].last_sect = 7;
    }
    return r;
}

/// A temporary disk image of `bytes` (sparse), removed at the end.
struct TempDisk {
    explicit TempDisk(std::uint64_t bytes, const char* name = "disk") {
        static int n = 0;
        path = (std::filesystem::temp_directory_path() /
                ("blkback-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" + name))
                   .string();
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes)) == 0);
        ::close(fd);
    }
    ~TempDisk() { std::filesystem::remove(path); }
    std::vector<std::byte> read(std::uint64_t offset, std::size_t len) const {
        std::vector<std::byte> out(len);
        const int fd = ::open(path.c_str(), O_RDONLY);
        REQUIRE(::pread(fd, out.data(), len, static_cast<off_t>(offset)) == static_cast<ssize_t>(len));
        ::close(fd);
        return out;
    }
    void write(std::uint64_t offset, const std::vector<std::byte>& data) const {
        const int fd = ::open(path.c_str(), O_WRONLY);
        REQUIRE(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)) ==
                static_cast<ssize_t>(data.size()));
        ::close(fd);
    }
    /// Bytes the file really occupies.
    std::uint64_t allocated() const {
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        return static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    std::string path;
};

/// `n` bytes of a recognisable pattern.
inline std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
    std::vector<std::byte> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = std::byte((i * 7 + seed * 31 + (i >> 9)) & 0xff);
    return out;
}

inline bool same(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tessera::blkback::test
