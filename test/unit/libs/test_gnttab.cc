// libs/gnttab: the devices fail cleanly on a host; the fakes against Xen's grant checks.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cstring>

#include "gnttab/fake_grants.hpp"

using namespace tessera::xen;

namespace {

struct Fixture {
    FakeWorld world;
    FakeDomain* dom0 = *world.add_domain(0, 0x10000, 16);
    FakeDomain* guest = *world.add_domain(5, 0x40000, 8);
    FakeGrantMapper mapper{world, 0};
};

}  // namespace

TEST_CASE("the grant devices report a missing device with ENOENT", "[gnttab]") {
    auto dev = DeviceGrantMapper::open("/nonexistent/xen/gntdev");
    REQUIRE_FALSE(dev);
    CHECK(dev.error().code == ENOENT);
    CHECK(dev.error().message == "cannot open /nonexistent/xen/gntdev: No such file or directory");
    auto alloc = DeviceGrantAllocator::open("/nonexistent/xen/gntalloc");
    CHECK(alloc.error().code == ENOENT);
    if (::access(kGntdevDevice, F_OK) != 0) CHECK(DeviceGrantMapper::open().error().code == ENOENT);
}

TEST_CASE("mapping a guest's grants aliases its pages and marks them in use", "[gnttab]") {
    Fixture f;
    f.guest->grant_access(8, 0, 0x40002, false);
    f.guest->grant_access(9, 0, 0x40006, false);
    std::memcpy(f.guest->page(0x40006).data(), "ring", 4);
    {
        auto pages = f.mapper.map(5, std::array<grant_ref_t, 2>{8, 9}, true);
        REQUIRE(pages);
        CHECK(pages->pages() == 2);
        CHECK(std::memcmp(pages->data() + 4096, "ring", 4) == 0);
        pages->data()[0] = std::byte{0x42};
        CHECK(f.guest->page(0x40002)[0] == std::byte{0x42});
        CHECK((f.guest->grant(8).flags & (GTF_reading | GTF_writing)) ==
              (GTF_reading | GTF_writing));
    }
    CHECK((f.guest->grant(8).flags & (GTF_reading | GTF_writing)) == 0);
    CHECK(f.world.pins.empty());
}

TEST_CASE("grant checks: bad ref, wrong domain, read-only, unpopulated frame", "[gnttab]") {
    Fixture f;
    f.guest->grant_access(1, 0, 0x40001, true);   // read-only for dom0
    f.guest->grant_access(2, 7, 0x40002, false);  // for another domain
    f.guest->grant_access(3, 0, 0x90000, false);  // a frame the guest does not have
    const grant_ref_t past_end = static_cast<grant_ref_t>(f.guest->grant_entries());

    auto ro = f.mapper.map(5, std::array<grant_ref_t, 1>{1}, true);
    REQUIRE_FALSE(ro);
    CHECK(ro.error().code == EINVAL);
    CHECK(f.mapper.last_map_status() == std::vector<std::int16_t>{GNTST_general_error});
    CHECK(ro.error().message.find("GNTST_general_error") != std::string::npos);
    CHECK(f.mapper.map(5, std::array<grant_ref_t, 1>{1}, false));  // read-only map is fine

    CHECK_FALSE(f.mapper.map(5, std::array<grant_ref_t, 4>{2, 3, past_end, 0}, false));
    CHECK(f.mapper.last_map_status() ==
          std::vector<std::int16_t>{GNTST_general_error, GNTST_bad_page, GNTST_bad_gntref,
                                    GNTST_general_error});
    CHECK_FALSE(f.mapper.map(6, std::array<grant_ref_t, 1>{1}, false));
    CHECK(f.mapper.last_map_status() == std::vector<std::int16_t>{GNTST_bad_domain});
    // Nothing stayed pinned after the failures.
    CHECK((f.guest->grant(1).flags & GTF_reading) == 0);
}

TEST_CASE("unmap notify clears the byte and sends the event", "[gnttab]") {
    Fixture f;
    f.guest->grant_access(8, 0, 0x40003, false);
    auto pages = f.mapper.map(5, std::array<grant_ref_t, 1>{8}, true);
    REQUIRE(pages);
    pages->data()[10] = std::byte{1};
    CHECK(f.mapper.set_unmap_notify(*pages, {5000, true, 9}).error().code == EINVAL);
    REQUIRE(f.mapper.set_unmap_notify(*pages, {10, true, 9}));
    CHECK(f.world.events.empty());
    pages->reset();
    CHECK(f.guest->page(0x40003)[10] == std::byte{0});
    REQUIRE(f.world.events.size() == 1);
    CHECK(f.world.events[0] == std::pair<domid_t, evtchn_port_t>{0, 9});
}

TEST_CASE("grant copy reports a status per segment", "[gnttab]") {
    Fixture f;
    f.guest->grant_access(4, 0, 0x40004, false);
    f.guest->grant_access(5, 0, 0x40005, true);
    std::memcpy(f.guest->page(0x40004).data() + 16, "sector", 6);
    char in[8] = {};
    const char out[4] = {'d', 'a', 't', 'a'};
    std::array<GrantCopySegment, 4> segs{
        copy_from_grant(5, 4, 16, in, 6),
        copy_to_grant(out, 5, 4, 100, 4),
        copy_to_grant(out, 5, 5, 0, 4),  // into a read-only grant
        copy_from_grant(5, 4000, 0, in, 1),
    };
    REQUIRE(f.mapper.copy(segs));
    CHECK(segs[0].status == GNTST_okay);
    CHECK(std::memcmp(in, "sector", 6) == 0);
    CHECK(segs[1].status == GNTST_okay);
    CHECK(std::memcmp(f.guest->page(0x40004).data() + 100, "data", 4) == 0);
    CHECK(segs[2].status == GNTST_general_error);
    CHECK(f.guest->page(0x40005)[0] == std::byte{0});
    CHECK(segs[3].status == GNTST_bad_gntref);
}

TEST_CASE("grant copy rejects local-to-local and page-crossing segments", "[gnttab]") {
    Fixture f;
    f.guest->grant_access(4, 0, 0x40004, false);
    char a[4] = {}, b[4] = {};
    GrantCopySegment local{};
    local.source.virt = a;
    local.dest.virt = b;
    local.len = 4;
    CHECK(f.mapper.copy(std::span(&local, 1)).error().code == EINVAL);
    auto crossing = copy_from_grant(5, 4, 4094, a, 4);
    CHECK(f.mapper.copy(std::span(&crossing, 1)).error().code == EINVAL);
}

TEST_CASE("gntalloc grants dom0 pages another domain can map", "[gnttab]") {
    Fixture f;
    FakeGrantAllocator allocator(f.world, 0);
    FakeGrantMapper guest_mapper(f.world, 5);
    auto shared = allocator.allocate(5, 2, true);
    REQUIRE(shared);
    REQUIRE(shared->refs().size() == 2);
    CHECK(shared->refs()[0] >= GNTTAB_NR_RESERVED_ENTRIES);
    CHECK(f.dom0->grant(shared->refs()[0]).domid == 5);
    std::memcpy(shared->data() + 4096, "hi", 2);

    auto seen = guest_mapper.map(0, shared->refs(), true);
    REQUIRE(seen);
    CHECK(std::memcmp(seen->data() + 4096, "hi", 2) == 0);
    // Another domain is refused.
    FakeGrantMapper stranger(f.world, 6);
    CHECK_FALSE(stranger.map(0, shared->refs(), false));

    // Read-only allocations refuse writable maps.
    auto ro = allocator.allocate(5, 1, false);
    REQUIRE(ro);
    CHECK_FALSE(guest_mapper.map(0, ro->refs(), true));
    CHECK(guest_mapper.map(0, ro->refs(), false));

    // Releasing ends the grants the remote no longer maps; a mapped one stays until unmapped.
    const grant_ref_t first = shared->refs()[0];
    REQUIRE(allocator.set_unmap_notify(*shared, {0, false, 3}));
    shared->reset();
    CHECK(f.world.events.back() == std::pair<domid_t, evtchn_port_t>{0, 3});
    CHECK(f.dom0->grant(first).flags != 0);  // still mapped by the guest
    seen->reset();
    CHECK((f.dom0->grant(first).flags & GTF_reading) == 0);
}
