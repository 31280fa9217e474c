// The shared-ring templates with a frontend and a backend on one shared area (blkif and netif).
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "ring/shared_ring.hpp"

#include <xen/io/blkif.h>
#include <xen/io/netif.h>

using namespace tessera::xen;
using namespace tessera::xen::ring;

namespace {

template <std::size_t Pages>
struct SharedArea {
    alignas(4096) std::array<std::byte, Pages * 4096> bytes{};
    std::span<std::byte> span() { return bytes; }
};

template <class SRing>
SRing& sring_of(SharedArea<1>& area) {
    return *reinterpret_cast<SRing*>(area.bytes.data());
}

blkif_request blk_request(std::uint64_t id) {
    blkif_request r{};
    r.operation = BLKIF_OP_READ;
    r.nr_segments = 1;
    r.id = id;
    r.sector_number = id * 8;
    return r;
}

}  // namespace

TEST_CASE("ring sizes match the ones Linux's frontends compute", "[ring]") {
    // blkfront: __CONST_RING_SIZE(blkif, 4096) = 32; netfront NET_TX/RX_RING_SIZE = 256.
    CHECK(RingTraits<blkif_sring>::entries(4096) == 32);
    CHECK(RingTraits<netif_tx_sring>::entries(4096) == 256);
    CHECK(RingTraits<netif_rx_sring>::entries(4096) == 256);
    CHECK(RingTraits<blkif_sring>::entries(4 * 4096) == 128);
    CHECK(RingTraits<blkif_sring>::kHeaderBytes == 64);
}

TEST_CASE("front init writes ring.h's initial indices; bad areas are rejected", "[ring]") {
    SharedArea<1> area;
    std::memset(area.bytes.data(), 0xff, 64);
    auto front = FrontRing<blkif_sring>::create(area.span());
    REQUIRE(front);
    auto& s = sring_of<blkif_sring>(area);
    CHECK(s.req_prod == 0);
    CHECK(s.rsp_prod == 0);
    CHECK(s.req_event == 1);
    CHECK(s.rsp_event == 1);
    CHECK(front->size() == 32);
    CHECK(front->free_requests() == 32);

    CHECK_FALSE(FrontRing<blkif_sring>::create(area.span().first(100)));
    CHECK(BackRing<blkif_sring>::attach(area.span().subspan(4)).error().code == EINVAL);
}

TEST_CASE("blkif requests and responses round-trip with wrap-around", "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    auto back = *BackRing<blkif_sring>::attach(area.span());
    std::uint64_t sent = 0, served = 0, completed = 0;
    // 1000 requests through a 32-slot ring in uneven batches: indices wrap many times.
    while (completed < 1000) {
        for (int i = 0; i < 7 && sent < 1000 && front.put_request(blk_request(sent)); ++i) ++sent;
        front.push_requests();
        while (auto request = back.take_request()) {
            REQUIRE(request);
            if (!*request) break;
            REQUIRE((*request)->id == served);
            REQUIRE((*request)->sector_number == served * 8);
            blkif_response rsp{};
            rsp.id = (*request)->id;
            rsp.operation = (*request)->operation;
            rsp.status = BLKIF_RSP_OKAY;
            REQUIRE(back.put_response(rsp));
            ++served;
        }
        back.push_responses();
        for (;;) {
            auto rsp = front.take_response();
            REQUIRE(rsp);
            if (!*rsp) break;
            REQUIRE((*rsp)->id == completed);
            ++completed;
        }
    }
    CHECK(sring_of<blkif_sring>(area).req_prod == 1000);
    CHECK(sring_of<blkif_sring>(area).rsp_prod == 1000);
}

TEST_CASE("a full ring refuses requests until responses are consumed", "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    auto back = *BackRing<blkif_sring>::attach(area.span());
    for (std::uint64_t i = 0; i < 32; ++i) REQUIRE(front.put_request(blk_request(i)));
    CHECK(front.full());
    CHECK_FALSE(front.put_request(blk_request(99)));
    front.push_requests();
    REQUIRE(*back.unconsumed_requests() == 32);
    REQUIRE((*back.take_request())->id == 0);
    CHECK(back.put_response(blkif_response{}));
    CHECK(back.put_response(blkif_response{}).error().code == EINVAL);  // one request taken
    back.push_responses();
    REQUIRE(*front.take_response());
    CHECK(front.free_requests() == 1);
}

TEST_CASE("notification suppression follows req_event and rsp_event", "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<netif_tx_sring>::create(area.span());
    auto back = *BackRing<netif_tx_sring>::attach(area.span());
    netif_tx_request tx{};

    // req_event starts at 1: the first request notifies, the next does not.
    REQUIRE(front.put_request(tx));
    CHECK(front.push_requests());
    REQUIRE(front.put_request(tx));
    CHECK_FALSE(front.push_requests());
    // Pushing nothing never notifies.
    CHECK_FALSE(front.push_requests());

    // The backend drains, then re-arms in its final check: the next request notifies again.
    REQUIRE(*back.take_request());
    REQUIRE(*back.take_request());
    CHECK_FALSE(*back.final_check_for_requests());
    CHECK(sring_of<netif_tx_sring>(area).req_event == 3);
    REQUIRE(front.put_request(tx));
    CHECK(front.push_requests());
    // The final check sees work that arrived: true, and leaves req_event alone.
    CHECK(*back.final_check_for_requests());
    CHECK(sring_of<netif_tx_sring>(area).req_event == 3);

    // Responses: rsp_event starts at 1, so the first notifies; then the frontend has not re-armed.
    REQUIRE(back.put_response(netif_tx_response{}));
    CHECK(back.push_responses());
    REQUIRE(back.put_response(netif_tx_response{}));
    CHECK_FALSE(back.push_responses());
    REQUIRE(*front.take_response());
    REQUIRE(*front.take_response());
    CHECK_FALSE(*front.final_check_for_responses());
    CHECK(sring_of<netif_tx_sring>(area).rsp_event == 3);
    REQUIRE(*back.take_request());
    REQUIRE(back.put_response(netif_tx_response{}));
    CHECK(back.push_responses());
}

TEST_CASE("multi-page rings use every page", "[ring]") {
    SharedArea<4> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    auto back = *BackRing<blkif_sring>::attach(area.span());
    REQUIRE(front.size() == 128);
    for (std::uint64_t i = 0; i < 128; ++i) REQUIRE(front.put_request(blk_request(i)));
    front.push_requests();
    // The last slot lies in the fourth page.
    const auto* last = reinterpret_cast<const blkif_request*>(area.bytes.data() + 64 + 127 * sizeof(RingTraits<blkif_sring>::Entry));
    CHECK(last->id == 127);
    CHECK(reinterpret_cast<const std::byte*>(last) - area.bytes.data() >= 3 * 4096);
    for (std::uint64_t i = 0; i < 128; ++i) REQUIRE((*back.take_request())->id == i);
}

TEST_CASE("netif rx ring carries its own request and response types", "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<netif_rx_sring>::create(area.span());
    auto back = *BackRing<netif_rx_sring>::attach(area.span());
    netif_rx_request rx{};
    rx.id = 7;
    rx.gref = 1234;
    REQUIRE(front.put_request(rx));
    front.push_requests();
    auto got = *back.take_request();
    REQUIRE(got);
    CHECK(got->gref == 1234);
    netif_rx_response rsp{};
    rsp.id = 7;
    rsp.status = 60;
    REQUIRE(back.put_response(rsp));
    back.push_responses();
    CHECK((*front.take_response())->status == 60);
}

TEST_CASE("a hostile req_prod fails the backend for good, without reading past the ring",
          "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    auto back = *BackRing<blkif_sring>::attach(area.span());
    auto& s = sring_of<blkif_sring>(area);
    s.req_prod = 33;  // one more than the ring holds
    auto r = back.take_request();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == EIO);
    CHECK(back.failed());
    s.req_prod = 1;  // even a sane value later does not revive it
    CHECK_FALSE(back.take_request());
    CHECK_FALSE(back.final_check_for_requests());
    CHECK_FALSE(back.put_response(blkif_response{}));

    // An index far behind req_cons (huge unsigned distance) is caught the same way.
    auto back2 = *BackRing<blkif_sring>::attach(area.span(), 100);
    s.req_prod = 50;
    CHECK(back2.unconsumed_requests().error().code == EIO);
    (void)front;
}

TEST_CASE("requests are copied out once: later writes to the slot do not change them",
          "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    auto back = *BackRing<blkif_sring>::attach(area.span());
    REQUIRE(front.put_request(blk_request(5)));
    front.push_requests();
    auto request = *back.take_request();
    REQUIRE(request);
    auto* slot = reinterpret_cast<blkif_request*>(area.bytes.data() + 64);
    slot->nr_segments = 200;  // the frontend rewrites the slot after the backend took it
    slot->id = 666;
    CHECK(request->nr_segments == 1);
    CHECK(request->id == 5);
}

TEST_CASE("the frontend rejects responses to requests it never sent", "[ring]") {
    SharedArea<1> area;
    auto front = *FrontRing<blkif_sring>::create(area.span());
    sring_of<blkif_sring>(area).rsp_prod = 3;
    CHECK(front.take_response().error().code == EIO);
}
