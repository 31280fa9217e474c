// blkback's request validation on its own: every malformed field refused, with the right
// status and operation in the response, and sound requests turned into the right plan.
#include <catch2/catch.hpp>
#include <cstring>

#include "blkback_rig.hpp"
#include "protocol.hpp"

using namespace tessera::blkback;
using namespace tessera::blkback::test;

namespace {

DeviceLimits disk(std::uint64_t sectors = 1024) {
    DeviceLimits l;
    l.sectors = sectors;
    return l;
}

Rejection rejected(const Decision& d) {
    REQUIRE(std::holds_alternative<Rejection>(d));
    return std::get<Rejection>(d);
}

IoPlan planned(const Decision& d) {
    if (auto* r = std::get_if<Rejection>(&d)) FAIL(r->reason);
    return std::get<IoPlan>(d);
}

blkif_request as_request(const void* p, std::size_t size) {
    blkif_request r;
    std::memset(&r, 0, sizeof r);
    std::memcpy(&r, p, size);
    return r;
}

}  // namespace

TEST_CASE("a sound read becomes a plan of whole and partial pages", "[blkback][protocol]") {
    auto r = rw_request(BLKIF_OP_READ, 42, 16, 2);
    r.seg[1].first_sect = 2;
    r.seg[1].last_sect = 4;
    const IoPlan p = planned(decode(r, disk()));
    CHECK(p.kind == IoKind::read);
    CHECK(p.id == 42);
    CHECK(p.operation == BLKIF_OP_READ);
    CHECK(p.sector == 16);
    CHECK(p.nr_sectors == 8 + 3);
    REQUIRE(p.segments.size() == 2);
    CHECK(p.segments[1].offset == 1024);
    CHECK(p.segments[1].length == 1536);
}

TEST_CASE("each malformed read/write field is refused with BLKIF_RSP_ERROR", "[blkback][protocol]") {
    const auto base = rw_request(BLKIF_OP_WRITE, 7, 0, 3);
    auto check_error = [](const blkif_request& r) {
        const Rejection rej = rejected(decode(r, disk()));
        CHECK(rej.status == BLKIF_RSP_ERROR);
        CHECK(rej.id == 7);
        CHECK(rej.operation == BLKIF_OP_WRITE);
    };
    SECTION("no segments") {
        auto r = base;
        r.nr_segments = 0;
        check_error(r);
    }
    SECTION("more than BLKIF_MAX_SEGMENTS_PER_REQUEST") {
        auto r = base;
        r.nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
        check_error(r);
        r.nr_segments = 255;
        check_error(r);
    }
    SECTION("first_sect after last_sect") {
        auto r = base;
        r.seg[1].first_sect = 5;
        r.seg[1].last_sect = 4;
        check_error(r);
    }
    SECTION("last_sect past the page") {
        auto r = base;
        r.seg[2].last_sect = 8;
        check_error(r);
        r.seg[2].first_sect = 200;
        r.seg[2].last_sect = 255;
        check_error(r);
    }
    SECTION("a reserved grant ref (console, xenstore)") {
        auto r = base;
        r.seg[0].gref = 1;
        check_error(r);
    }
    SECTION("sectors past the end of the device") {
        auto r = base;
        r.sector_number = 1024 - 23;  // 24 sectors needed
        check_error(r);
        r.sector_number = ~0ull - 3;  // overflows when added
        check_error(r);
    }
}

TEST_CASE("the last sector of the device is reachable, one more is not", "[blkback][protocol]") {
    auto r = rw_request(BLKIF_OP_READ, 1, 1024 - 8, 1);
    CHECK(planned(decode(r, disk())).nr_sectors == 8);
    r.sector_number = 1024 - 7;
    CHECK(rejected(decode(r, disk())).status == BLKIF_RSP_ERROR);
}

TEST_CASE("a read-only device refuses writes, data flushes and discards", "[blkback][protocol]") {
    auto ro = disk();
    ro.readonly = true;
    ro.flush = false;
    ro.discard = false;
    CHECK(rejected(decode(rw_request(BLKIF_OP_WRITE, 1, 0, 1), ro)).status == BLKIF_RSP_ERROR);
    CHECK(rejected(decode(rw_request(BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 1), ro)).status ==
          BLKIF_RSP_ERROR);
    blkif_request_discard d{};
    d.operation = BLKIF_OP_DISCARD;
    d.id = 3;
    d.nr_sectors = 8;
    CHECK(rejected(decode(as_request(&d, sizeof d), ro)).status == BLKIF_RSP_ERROR);
    blkif_request_indirect ind{};
    ind.operation = BLKIF_OP_INDIRECT;
    ind.indirect_op = BLKIF_OP_WRITE;
    ind.nr_segments = 20;
    ind.indirect_grefs[0] = 600;
    CHECK(rejected(decode(as_request(&ind, sizeof ind), ro)).status == BLKIF_RSP_ERROR);
    CHECK(planned(decode(rw_request(BLKIF_OP_READ, 4, 0, 1), ro)).kind == IoKind::read);
}

TEST_CASE("flushes: pure, with data, or not offered", "[blkback][protocol]") {
    auto flush = rw_request(BLKIF_OP_FLUSH_DISKCACHE, 9, 123456789, 0);
    CHECK(planned(decode(flush, disk())).kind == IoKind::flush);  // sector ignored
    auto with_data = rw_request(BLKIF_OP_FLUSH_DISKCACHE, 9, 8, 2);
    const IoPlan p = planned(decode(with_data, disk()));
    CHECK(p.kind == IoKind::write);
    CHECK(p.flush_first);
    auto no_flush = disk();
    no_flush.flush = false;
    CHECK(rejected(decode(flush, no_flush)).status == BLKIF_RSP_EOPNOTSUPP);
}

TEST_CASE("unknown operations and barriers get EOPNOTSUPP", "[blkback][protocol]") {
    for (const std::uint8_t op : {std::uint8_t{BLKIF_OP_WRITE_BARRIER},
                                  std::uint8_t{BLKIF_OP_RESERVED_1}, std::uint8_t{77}}) {
        auto r = rw_request(op, 5, 0, 1);
        const Rejection rej = rejected(decode(r, disk()));
        CHECK(rej.status == BLKIF_RSP_EOPNOTSUPP);
        CHECK(rej.operation == op);
        CHECK(rej.id == 5);
    }
}

TEST_CASE("discards: range checked, secure and unoffered ones refused", "[blkback][protocol]") {
    blkif_request_discard d{};
    d.operation = BLKIF_OP_DISCARD;
    d.id = 11;
    d.sector_number = 8;
    d.nr_sectors = 16;
    const IoPlan p = planned(decode(as_request(&d, sizeof d), disk()));
    CHECK(p.kind == IoKind::discard);
    CHECK(p.nr_sectors == 16);
    d.nr_sectors = 1024;
    CHECK(rejected(decode(as_request(&d, sizeof d), disk())).status == BLKIF_RSP_ERROR);
    d.nr_sectors = ~0ull;
    CHECK(rejected(decode(as_request(&d, sizeof d), disk())).status == BLKIF_RSP_ERROR);
    d.nr_sectors = 8;
    d.flag = BLKIF_DISCARD_SECURE;
    CHECK(rejected(decode(as_request(&d, sizeof d), disk())).status == BLKIF_RSP_EOPNOTSUPP);
    d.flag = 0;
    auto no_discard = disk();
    no_discard.discard = false;
    CHECK(rejected(decode(as_request(&d, sizeof d), no_discard)).status == BLKIF_RSP_EOPNOTSUPP);
}

TEST_CASE("indirect requests: limits, then descriptors checked like direct ones", "[blkback][protocol]") {
    blkif_request_indirect ind{};
    ind.operation = BLKIF_OP_INDIRECT;
    ind.indirect_op = BLKIF_OP_READ;
    ind.id = 99;
    ind.nr_segments = 20;
    ind.sector_number = 0;
    ind.indirect_grefs[0] = 600;
    const auto limits = disk(4096);
    IoPlan p = planned(decode(as_request(&ind, sizeof ind), limits));
    CHECK(p.needs_indirect());
    CHECK(p.operation == BLKIF_OP_READ);  // blkfront checks it against indirect_op
    CHECK(p.indirect_pages == std::vector<grant_ref_t>{600});

    std::vector<blkif_request_segment> descriptors(20);
    for (unsigned i = 0; i < 20; ++i) descriptors[i] = {grant_ref_t(100 + i), 0, 7};
    SECTION("sound") {
        CHECK_FALSE(complete_indirect(p, descriptors, limits));
        CHECK(p.nr_sectors == 160);
        CHECK(p.segments.size() == 20);
    }
    SECTION("a bad descriptor") {
        descriptors[13].last_sect = 9;
        const auto rej = complete_indirect(p, descriptors, limits);
        REQUIRE(rej);
        CHECK(rej->status == BLKIF_RSP_ERROR);
        CHECK(rej->operation == BLKIF_OP_READ);
        CHECK(p.segments.empty());
    }
    SECTION("fewer descriptors than announced") {
        CHECK(complete_indirect(p, std::span(descriptors).first(19), limits));
    }
    SECTION("past the end of the device") {
        p.sector = 4096 - 100;
        CHECK(complete_indirect(p, descriptors, limits));
    }
    auto check_refused = [&](auto mutate, std::int16_t status) {
        auto bad = ind;
        mutate(bad);
        CHECK(rejected(decode(as_request(&bad, sizeof bad), limits)).status == status);
    };
    check_refused([](auto& b) { b.nr_segments = 0; }, BLKIF_RSP_ERROR);
    check_refused([](auto& b) { b.nr_segments = kDefaultMaxIndirectSegments + 1; }, BLKIF_RSP_ERROR);
    check_refused([](auto& b) { b.indirect_op = BLKIF_OP_DISCARD; }, BLKIF_RSP_ERROR);
    check_refused([](auto& b) { b.indirect_op = BLKIF_OP_INDIRECT; }, BLKIF_RSP_ERROR);
    check_refused([](auto& b) { b.indirect_grefs[0] = 0; }, BLKIF_RSP_ERROR);
    auto no_indirect = limits;
    no_indirect.max_indirect_segments = 0;
    CHECK(rejected(decode(as_request(&ind, sizeof ind), no_indirect)).status == BLKIF_RSP_EOPNOTSUPP);
}

TEST_CASE("responses have no undefined bytes", "[blkback][protocol]") {
    const blkif_response r = make_response(0x1122334455667788ull, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    blkif_response expected;
    std::memset(&expected, 0, sizeof expected);
    expected.id = 0x1122334455667788ull;
    expected.operation = BLKIF_OP_WRITE;
    expected.status = BLKIF_RSP_ERROR;
    CHECK(std::memcmp(&r, &expected, sizeof r) == 0);
}
