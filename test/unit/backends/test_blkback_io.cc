// One blkback queue against a fake guest: its ring on the guest's pages, data moved by grant
// copy, a temporary file as the disk. Outcomes are checked on the file, in the responses and
// in the counters.
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>

#include "blkback_rig.hpp"
#include "queue.hpp"

using namespace tessera::blkback;
using namespace tessera::blkback::test;

namespace {

constexpr std::uint64_t kDiskBytes = 4 << 20;

struct QueueRig {
    explicit QueueRig(unsigned ring_pages = 1, bool writable = true, Executor* executor = nullptr)
        : front(world, 5, ring_pages), disk(kDiskBytes) {
        auto store = BackingStore::open(disk.path, writable);
        REQUIRE(store);
        DeviceLimits limits;
        limits.sectors = (*store)->sectors();
        limits.readonly = !writable;
        limits.flush = writable;
        limits.discard = writable;
        auto data = std::make_shared<DataPath>(world.grants, 5, *store);
        context = std::shared_ptr<QueueContext>(new QueueContext{
            world.grants, world.events, executor ? *executor : inline_executor, 5, limits, data,
            {}, [this](const std::string& s) { said.push_back(s); }});
        auto q = Queue::connect(context, QueueParams{front.ring_refs, front.port});
        REQUIRE(q);
        queue = *q;
    }
    /// The event dom0 would get: serve the ring.
    void kick() { REQUIRE(queue->on_event()); }
    blkif_response one_response() {
        auto rs = front.responses();
        REQUIRE(rs.size() == 1);
        return rs[0];
    }
    const DeviceStats& stats() const { return context->stats; }

    BlkWorld world;
    FakeBlkfront front;
    TempDisk disk;
    InlineExecutor inline_executor;
    std::shared_ptr<QueueContext> context;
    std::shared_ptr<Queue> queue;
    std::vector<std::string> said;
};

void fill(std::span<std::byte> page, const std::vector<std::byte>& bytes) {
    std::memcpy(page.data(), bytes.data(), std::min(page.size(), bytes.size()));
}

}  // namespace

TEST_CASE("blkback: write then read back through granted pages", "[blkback][io]") {
    QueueRig rig;
    const auto data = pattern(3 * 4096, 1);
    for (unsigned i = 0; i < 3; ++i) fill(rig.front.data(i), {data.begin() + i * 4096, data.begin() + (i + 1) * 4096});
    auto w = rw_request(BLKIF_OP_WRITE, 0xabc, 8, 3, 0);
    rig.front.submit(&w);
    rig.kick();
    auto r = rig.one_response();
    CHECK(r.id == 0xabc);
    CHECK(r.operation == BLKIF_OP_WRITE);
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(same(rig.disk.read(8 * 512, data.size()), data));
    CHECK(rig.disk.read(0, 4096) == std::vector<std::byte>(4096));

    auto rd = rw_request(BLKIF_OP_READ, 0xdef, 8, 3, 10);
    rig.front.submit(&rd);
    rig.kick();
    r = rig.one_response();
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(r.operation == BLKIF_OP_READ);
    for (unsigned i = 0; i < 3; ++i) {
        CHECK(same(rig.front.data(10 + i), std::span(data).subspan(i * 4096, 4096)));
    }
    CHECK(rig.stats().reads == 1);
    CHECK(rig.stats().writes == 1);
    CHECK(rig.stats().bad_requests == 0);
}

TEST_CASE("blkback: partial segments land at their sectors", "[blkback][io]") {
    QueueRig rig;
    const auto data = pattern(4096, 2);
    fill(rig.front.data(0), data);
    auto w = rw_request(BLKIF_OP_WRITE, 1, 100, 1);
    w.seg[0].first_sect = 2;
    w.seg[0].last_sect = 4;
    rig.front.submit(&w);
    rig.kick();
    CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
    CHECK(same(rig.disk.read(100 * 512, 3 * 512), std::span(data).subspan(2 * 512, 3 * 512)));
    CHECK(rig.disk.read(103 * 512, 512) == std::vector<std::byte>(512));
}

TEST_CASE("blkback: flush, and flush carrying data", "[blkback][io]") {
    QueueRig rig;
    auto f = rw_request(BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0);
    rig.front.submit(&f);
    rig.kick();
    auto r = rig.one_response();
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(r.operation == BLKIF_OP_FLUSH_DISKCACHE);
    CHECK(rig.stats().flushes == 1);

    const auto data = pattern(4096, 3);
    fill(rig.front.data(0), data);
    auto fw = rw_request(BLKIF_OP_FLUSH_DISKCACHE, 4, 16, 1);
    rig.front.submit(&fw);
    rig.kick();
    CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
    CHECK(same(rig.disk.read(16 * 512, 4096), data));
}

TEST_CASE("blkback: discard punches a hole in the file", "[blkback][io]") {
    QueueRig rig;
    const auto data = pattern(256 * 1024, 4);
    rig.disk.write(1 << 20, data);
    const auto before = rig.disk.allocated();
    REQUIRE(before >= data.size());
    blkif_request_discard d{};
    d.operation = BLKIF_OP_DISCARD;
    d.id = 77;
    d.sector_number = (1 << 20) / 512;
    d.nr_sectors = data.size() / 512;
    rig.front.submit(&d, sizeof d);
    rig.kick();
    auto r = rig.one_response();
    if (r.status == BLKIF_RSP_EOPNOTSUPP) {
        WARN("the temporary directory cannot punch holes: not checked");
        return;
    }
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(r.operation == BLKIF_OP_DISCARD);
    CHECK(rig.disk.read(1 << 20, data.size()) == std::vector<std::byte>(data.size()));
    CHECK(rig.disk.allocated() + data.size() <= before);
    CHECK(std::filesystem::file_size(rig.disk.path) == kDiskBytes);
}

TEST_CASE("blkback: a read-only disk refuses writes and keeps its bytes", "[blkback][io]") {
    QueueRig rig(1, false);
    const auto original = pattern(4096, 5);
    rig.disk.write(0, original);
    fill(rig.front.data(0), pattern(4096, 6));
    auto w = rw_request(BLKIF_OP_WRITE, 8, 0, 1);
    rig.front.submit(&w);
    rig.kick();
    CHECK(rig.one_response().status == BLKIF_RSP_ERROR);
    CHECK(same(rig.disk.read(0, 4096), original));
    CHECK(rig.stats().bad_requests == 1);
    auto rd = rw_request(BLKIF_OP_READ, 9, 0, 1, 1);
    rig.front.submit(&rd);
    rig.kick();
    CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
    CHECK(same(rig.front.data(1), original));
}

TEST_CASE("blkback: malformed requests get BLKIF_RSP_ERROR and are counted", "[blkback][io]") {
    QueueRig rig;
    auto bad_sect = rw_request(BLKIF_OP_WRITE, 1, 0, 1);
    bad_sect.seg[0].last_sect = 8;
    auto too_many = rw_request(BLKIF_OP_READ, 2, 0, 11);
    too_many.nr_segments = 12;
    auto past_end = rw_request(BLKIF_OP_READ, 3, kDiskBytes / 512 - 4, 1);
    auto reserved = rw_request(BLKIF_OP_READ, 4, 0, 1);
    reserved.seg[0].gref = 0;
    auto not_granted = rw_request(BLKIF_OP_READ, 5, 0, 1);
    not_granted.seg[0].gref = 900;  // a ref the guest never granted: the copy fails
    for (auto* r : {&bad_sect, &too_many, &past_end, &reserved, &not_granted}) rig.front.submit(r);
    rig.kick();
    const auto rs = rig.front.responses();
    REQUIRE(rs.size() == 5);
    for (unsigned i = 0; i < 5; ++i) {
        CHECK(rs[i].id == i + 1);
        CHECK(rs[i].status == BLKIF_RSP_ERROR);
    }
    CHECK(rig.stats().bad_requests == 4);
    CHECK(rig.stats().io_errors == 1);
    CHECK_FALSE(rig.said.empty());
    CHECK(rig.disk.allocated() == 0);
    // The ring still works.
    auto good = rw_request(BLKIF_OP_READ, 6, 0, 1);
    rig.front.submit(&good);
    rig.kick();
    CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
}

TEST_CASE("blkback: indirect requests of many segments", "[blkback][io]") {
    QueueRig rig;
    constexpr unsigned kSegs = 40;
    const auto data = pattern(kSegs * 4096, 7);
    for (unsigned i = 0; i < kSegs; ++i) fill(rig.front.data(i), {data.begin() + i * 4096, data.begin() + (i + 1) * 4096});
    auto* descriptors = reinterpret_cast<blkif_request_segment*>(rig.front.indirect(0).data());
    for (unsigned i = 0; i < kSegs; ++i) descriptors[i] = {FakeBlkfront::kDataRef + i, 0, 7};
    blkif_request_indirect w{};
    w.operation = BLKIF_OP_INDIRECT;
    w.indirect_op = BLKIF_OP_WRITE;
    w.nr_segments = kSegs;
    w.id = 500;
    w.sector_number = 64;
    w.indirect_grefs[0] = FakeBlkfront::kIndirectRef;
    rig.front.submit(&w, sizeof w);
    rig.kick();
    auto r = rig.one_response();
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(r.operation == BLKIF_OP_WRITE);
    CHECK(same(rig.disk.read(64 * 512, data.size()), data));

    for (unsigned i = 0; i < kSegs; ++i) descriptors[i].gref = FakeBlkfront::kDataRef + 100 + i;
    w.indirect_op = BLKIF_OP_READ;
    w.id = 501;
    rig.front.submit(&w, sizeof w);
    rig.kick();
    r = rig.one_response();
    CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(r.operation == BLKIF_OP_READ);
    for (unsigned i = 0; i < kSegs; ++i) {
        CHECK(same(rig.front.data(100 + i), std::span(data).subspan(i * 4096, 4096)));
    }
}

TEST_CASE("blkback: a multi-page ring holds more requests than one page", "[blkback][io]") {
    QueueRig rig(4);
    REQUIRE(rig.queue->ring_size() == 128);
    const auto data = pattern(4096, 8);
    fill(rig.front.data(0), data);
    for (unsigned i = 0; i < 100; ++i) {
        auto w = rw_request(BLKIF_OP_WRITE, i, i * 8, 1);
        rig.front.submit(&w);
    }
    rig.kick();
    const auto rs = rig.front.responses();
    REQUIRE(rs.size() == 100);
    for (unsigned i = 0; i < 100; ++i) CHECK(rs[i].status == BLKIF_RSP_OKAY);
    CHECK(same(rig.disk.read(99 * 8 * 512, 4096), data));
}

TEST_CASE("blkback: what the frontend rewrites after the copy changes nothing", "[blkback][io]") {
    ManualExecutor manual;
    QueueRig rig(1, true, &manual);
    const auto data = pattern(4096, 9);
    fill(rig.front.data(0), data);
    fill(rig.front.data(1), pattern(4096, 10));

    SECTION("the ring slot") {
        auto w = rw_request(BLKIF_OP_WRITE, 1, 0, 1);
        rig.front.submit(&w);
        rig.kick();
        REQUIRE(manual.queued() == 1);
        auto& slot = rig.front.sring().ring[0].req;
        slot.sector_number = (kDiskBytes / 512) + 1000;  // would be refused
        slot.seg[0].gref = FakeBlkfront::kDataRef + 1;
        slot.nr_segments = 200;
        manual.run_all();
        CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
        CHECK(same(rig.disk.read(0, 4096), data));
    }
    SECTION("the indirect page") {
        auto* descriptors = reinterpret_cast<blkif_request_segment*>(rig.front.indirect(0).data());
        for (unsigned i = 0; i < 12; ++i) descriptors[i] = {FakeBlkfront::kDataRef, 0, 7};
        blkif_request_indirect w{};
        w.operation = BLKIF_OP_INDIRECT;
        w.indirect_op = BLKIF_OP_WRITE;
        w.nr_segments = 12;
        w.id = 2;
        w.indirect_grefs[0] = FakeBlkfront::kIndirectRef;
        rig.front.submit(&w, sizeof w);
        rig.kick();
        REQUIRE(manual.queued() == 1);
        for (unsigned i = 0; i < 12; ++i) {
            descriptors[i] = {FakeBlkfront::kDataRef + 1, 0, 200};  // invalid and elsewhere
        }
        manual.run_all();
        CHECK(rig.one_response().status == BLKIF_RSP_OKAY);
        for (unsigned i = 0; i < 12; ++i) CHECK(same(rig.disk.read(i * 4096, 4096), data));
    }
    CHECK(rig.stats().bad_requests == 0);
}

TEST_CASE("blkback: events only when the frontend asked for them", "[blkback][io]") {
    QueueRig rig;
    auto rd = rw_request(BLKIF_OP_READ, 1, 0, 1);
    rig.front.submit(&rd);
    rig.kick();
    CHECK(rig.front.responses().size() == 1);
    CHECK(rig.front.notified() == 1);
    // The frontend does not want to hear before 10 more responses.
    rig.front.sring().rsp_event = rig.front.sring().rsp_prod + 10;
    rig.front.submit(&rd);
    rig.kick();
    CHECK(rig.front.responses().size() == 1);
    CHECK(rig.front.notified() == 1);
    CHECK(rig.stats().notifications == 1);
    // req_event was left for the next request: the frontend's push asks for an event.
    CHECK(rig.front.sring().req_event == rig.front.sring().req_prod + 1);
}

TEST_CASE("blkback: a frontend claiming too many requests fails its ring", "[blkback][io]") {
    QueueRig rig;
    rig.front.sring().req_prod = 1000;
    CHECK_FALSE(rig.queue->on_event());
    CHECK(rig.queue->failed());
    CHECK(rig.queue->error().find("req_prod") != std::string::npos);
}

TEST_CASE("blkback: the worker pool completes on the event loop", "[blkback][io]") {
    boost::asio::io_context io;
    PoolExecutor pool(io, 2);
    QueueRig rig(1, true, &pool);
    const auto data = pattern(4096, 11);
    for (unsigned i = 0; i < 8; ++i) fill(rig.front.data(i), data);
    for (unsigned i = 0; i < 8; ++i) {
        auto w = rw_request(BLKIF_OP_WRITE, i, i * 8, 1, i);
        rig.front.submit(&w);
    }
    rig.kick();
    std::vector<blkif_response> rs;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (rs.size() < 8 && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(10));
        for (const auto& r : rig.front.responses()) rs.push_back(r);
    }
    REQUIRE(rs.size() == 8);
    for (const auto& r : rs) CHECK(r.status == BLKIF_RSP_OKAY);
    CHECK(same(rig.disk.read(7 * 4096, 4096), data));
    CHECK(rig.queue->in_flight() == 0);
}
