// libFuzzer target: arbitrary bytes as what a hostile blkfront does to one blkback queue —
// requests of any content put on the ring, indirect pages rewritten between kicks, req_prod
// set to anything — through the real validation, grant copy (fake grants) and backing store
// (a memfd). After every input: every response carries a known status, the disk kept its size,
// and another guest's pages granted to dom0 are untouched. Build and run:
// test/fuzz/blkback/run.sh (docs/blkback.md).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "evtchn/fake_event_channels.hpp"
#include "gnttab/fake_grants.hpp"
#include "queue.hpp"

using namespace tessera::blkback;
namespace xen = tessera::xen;

namespace {

constexpr domid_t kGuest = 5;
constexpr domid_t kNeighbour = 9;
constexpr xen_pfn_t kFirstGfn = 0x100;
constexpr unsigned kRingPages = 2;
constexpr unsigned kDataPages = 16;
constexpr unsigned kIndirectPages = 2;
constexpr std::uint64_t kDiskBytes = 256 * 1024;

struct Fixture {
    Fixture() {
        guest = world.add_domain(kGuest, kFirstGfn, kRingPages + kDataPages + kIndirectPages, 1).value();
        neighbour = world.add_domain(kNeighbour, kFirstGfn, kDataPages, 1).value();
        for (unsigned i = 0; i < kRingPages; ++i) guest->grant_access(8 + i, 0, kFirstGfn + i, false);
        for (unsigned i = 0; i < kDataPages; ++i) {
            guest->grant_access(100 + i, 0, kFirstGfn + kRingPages + i, false);
            neighbour->grant_access(100 + i, 0, kFirstGfn + i, i % 2 == 0);
            std::memset(neighbour->page(kFirstGfn + i).data(), 0x5a, xen::kXenPageSize);
        }
        for (unsigned i = 0; i < kIndirectPages; ++i) {
            guest->grant_access(200 + i, 0, kFirstGfn + kRingPages + kDataPages + i, false);
        }
        hub.add_domain(kGuest);
        const int fd = ::memfd_create("blkback-fuzz-disk", MFD_CLOEXEC);
        if (fd < 0 || ::ftruncate(fd, kDiskBytes) != 0) std::abort();
        disk_fd = fd;
        disk_path = "/proc/self/fd/" + std::to_string(fd);
    }
    xen::FakeWorld world;
    xen::FakeEventHub hub;
    xen::FakeEventChannels events{hub, 0};
    xen::FakeGrantMapper grants{world, 0};
    InlineExecutor executor;
    xen::FakeDomain* guest = nullptr;
    xen::FakeDomain* neighbour = nullptr;
    int disk_fd = -1;
    std::string disk_path;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

struct Input {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos = 0;
    bool empty() const { return pos >= size; }
    std::uint8_t byte() { return pos < size ? data[pos++] : 0; }
    void bytes(void* out, std::size_t n) {
        auto* o = static_cast<std::uint8_t*>(out);
        for (std::size_t i = 0; i < n; ++i) o[i] = byte();
    }
};

// A guest may name its own ring pages (refs 8, 9) as data buffers: a read then overwrites its
// ring, which hurts only itself but breaks this harness's accounting of requests and
// responses. Such refs are turned into a reserved one (refused) in requests and descriptors.
bool is_ring_ref(std::uint32_t ref) { return ref >= 8 && ref < 8 + kRingPages; }

void keep_off_the_ring(std::uint8_t* bytes, std::size_t size, std::size_t first, std::size_t step) {
    for (std::size_t at = first; at + sizeof(std::uint32_t) <= size; at += step) {
        std::uint32_t ref;
        std::memcpy(&ref, bytes + at, sizeof ref);
        if (is_ring_ref(ref)) {
            ref = 7;
            std::memcpy(bytes + at, &ref, sizeof ref);
        }
    }
}

void check_responses(xen::ring::FrontRing<blkif_sring>& ring, unsigned& outstanding) {
    for (;;) {
        auto r = ring.take_response();
        if (!r) std::abort();  // the backend answered requests never sent
        if (!*r) return;
        const auto status = (*r)->status;
        if (status != BLKIF_RSP_OKAY && status != BLKIF_RSP_ERROR && status != BLKIF_RSP_EOPNOTSUPP) {
            std::abort();
        }
        if (outstanding == 0) std::abort();
        --outstanding;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Fixture& f = fixture();
    Input in{data, size};
    const std::uint8_t setup = in.byte();
    const unsigned pages = 1 + (setup & 1);
    const bool writable = (setup & 2) == 0;

    auto area = std::span(f.guest->page(kFirstGfn).data(), pages * xen::kXenPageSize);
    auto front = xen::ring::FrontRing<blkif_sring>::create(area).value();
    const evtchn_port_t port = f.hub.alloc_unbound(kGuest, 0).value();
    auto store = BackingStore::open(f.disk_path, writable, false);
    if (!store) std::abort();
    DeviceLimits limits;
    limits.sectors = (*store)->sectors();
    limits.readonly = !writable;
    limits.flush = writable;
    limits.discard = writable && (setup & 4) == 0;
    limits.max_indirect_segments = (setup & 8) ? 0 : kDefaultMaxIndirectSegments;
    auto context = std::shared_ptr<QueueContext>(new QueueContext{
        f.grants, f.events, f.executor, kGuest, limits,
        std::make_shared<DataPath>(f.grants, kGuest, *store), {}, {}});
    std::vector<grant_ref_t> refs;
    for (unsigned i = 0; i < pages; ++i) refs.push_back(8 + i);
    auto queue = Queue::connect(context, QueueParams{refs, port});
    if (!queue) std::abort();

    unsigned outstanding = 0;
    bool alive = true;
    bool tampered = false;  // req_prod set behind FrontRing's back: its accounting no longer holds
    auto kick = [&] {
        if (!tampered) front.push_requests();
        alive = (*queue)->on_event();
        if (alive && !tampered) check_responses(front, outstanding);
    };
    while (!in.empty() && alive) {
        switch (in.byte() % 4) {
            case 0: {
                blkif_request r;
                in.bytes(&r, sizeof r);
                keep_off_the_ring(reinterpret_cast<std::uint8_t*>(&r), sizeof r,
                                  offsetof(blkif_request, seg), sizeof(blkif_request_segment));
                if (tampered) break;
                if (front.full()) kick();
                if (alive && front.put_request(r)) ++outstanding;
                break;
            }
            case 1: kick(); break;
            case 2: {
                const std::size_t offset = (in.byte() * 16u) % xen::kXenPageSize;
                std::uint8_t chunk[64];
                in.bytes(chunk, sizeof chunk);
                auto page = f.guest->page(kFirstGfn + kRingPages + kDataPages + ((offset >> 4) & 1));
                std::memcpy(page.data() + std::min<std::size_t>(offset, page.size() - sizeof chunk),
                            chunk, sizeof chunk);
                keep_off_the_ring(reinterpret_cast<std::uint8_t*>(page.data()), page.size(), 0,
                                  sizeof(blkif_request_segment));
                break;
            }
            case 3: {
                RING_IDX prod;
                in.bytes(&prod, sizeof prod);
                reinterpret_cast<blkif_sring*>(area.data())->req_prod = prod;
                tampered = true;
                kick();
                break;
            }
        }
    }
    if (alive) {
        kick();
        if (alive && !tampered && outstanding != 0) std::abort();  // every request answered (inline I/O)
    }
    (*queue)->stop();
    (void)f.hub.close(kGuest, port);

    if (static_cast<std::uint64_t>(::lseek(f.disk_fd, 0, SEEK_END)) != kDiskBytes) std::abort();
    for (unsigned i = 0; i < kDataPages; ++i) {
        const auto page = f.neighbour->page(kFirstGfn + i);
        for (const std::byte b : page) {
            if (b != std::byte{0x5a}) std::abort();
        }
    }
    return 0;
}
