// Page allocator and stage-2 tables through the fake arch (whose entries differ per level).
#include "arch/host/fake.h"
#include "hv/mm/p2m.h"
#include "world.h"

using namespace hv;

TEST_CASE("the page allocator hands out zeroed, aligned, distinct pages and takes them back") {
    auto& a = test::pages();
    usize before = a.free_pages();
    PAddr p1 = a.alloc();
    PAddr p2 = a.alloc();
    REQUIRE(p1.raw() != 0);
    REQUIRE(p2.raw() != 0);
    CHECK(p1 != p2);
    CHECK(p1.page_aligned());
    CHECK(a.is_allocated(p1));
    auto* bytes = reinterpret_cast<u8*>(p1.raw());
    bytes[100] = 0xab;
    a.free(p1);
    CHECK_FALSE(a.is_allocated(p1));
    PAddr big = a.alloc(16, 16);  // 64 KiB, 64 KiB aligned
    REQUIRE(big.raw() != 0);
    CHECK((big.raw() & 0xffff) == 0);
    for (usize i = 0; i < 16 * kPageSize; ++i) REQUIRE(reinterpret_cast<u8*>(big.raw())[i] == 0);
    a.free(big, 16);
    a.free(p2);
    CHECK(a.free_pages() == before);
    CHECK(a.alloc(0).raw() == 0);
    CHECK(a.alloc(1, 3).raw() == 0);  // alignment must be a power of two
    CHECK(a.alloc(a.total_pages() + 1).raw() == 0);
}

TEST_CASE("freeing a page twice is a hypervisor bug and stops the machine") {
    auto& a = test::pages();
    PAddr p = a.alloc();
    a.free(p);
    CHECK_THROWS_AS(a.free(p), fake::PoweredOff);
}

TEST_CASE("stage-2: map, look up, replace, unmap, destroy") {
    auto& a = test::pages();
    usize before = a.free_pages();
    mm::P2m p2m;
    REQUIRE(p2m.init(a, 7));
    CHECK(p2m.table_pages() == 2);  // concatenated root
    PAddr target = a.alloc(4);
    IPAddr ipa(0x80000000);
    REQUIRE(p2m.map(ipa, target, 4 * kPageSize, mm::P2mType::kRam, mm::Perm::kReadWrite));
    CHECK(p2m.table_pages() == 4);  // one level-2 and one level-3 table
    for (u64 i = 0; i < 4; ++i) {
        auto e = p2m.lookup(ipa + i * kPageSize + 0x123);
        CHECK(e.pa == target + i * kPageSize);
        CHECK(e.type == mm::P2mType::kRam);
        CHECK(e.perm == mm::Perm::kReadWrite);
    }
    CHECK_FALSE(p2m.lookup(ipa + 4 * kPageSize).valid());
    CHECK_FALSE(p2m.lookup(IPAddr(0x1000)).valid());

    int flushes = fake::g_state.tlb_flushes[7];
    REQUIRE(p2m.map(ipa, target, kPageSize, mm::P2mType::kGrant, mm::Perm::kRead));
    CHECK(fake::g_state.tlb_flushes[7] == flushes + 1);  // a replaced entry is flushed
    CHECK(p2m.lookup(ipa).type == mm::P2mType::kGrant);
    CHECK(p2m.lookup(ipa).perm == mm::Perm::kRead);

    p2m.unmap(ipa + kPageSize, kPageSize);
    CHECK_FALSE(p2m.lookup(ipa + kPageSize).valid());
    CHECK(p2m.lookup(ipa + 2 * kPageSize).valid());
    CHECK(fake::g_state.tlb_flushes[7] == flushes + 2);

    // Addresses beyond the 40-bit IPA space and misaligned requests are refused.
    CHECK_FALSE(p2m.map(IPAddr(u64{1} << 40), target, kPageSize, mm::P2mType::kRam,
                        mm::Perm::kReadWrite));
    CHECK_FALSE(p2m.map(IPAddr(0x1001), target, kPageSize, mm::P2mType::kRam, mm::Perm::kRead));
    CHECK_FALSE(p2m.map(ipa, target, 100, mm::P2mType::kRam, mm::Perm::kRead));
    CHECK_FALSE(p2m.map(ipa, target, kPageSize, mm::P2mType::kNone, mm::Perm::kRead));

    // Two far-apart regions need their own tables; destroy returns every table page.
    REQUIRE(p2m.map(IPAddr(u64{5} << 32), target, kPageSize, mm::P2mType::kMmio,
                    mm::Perm::kReadWrite));
    CHECK(p2m.lookup(IPAddr(u64{5} << 32)).type == mm::P2mType::kMmio);
    p2m.destroy();
    CHECK(p2m.table_pages() == 0);
    a.free(target, 4);
    CHECK(a.free_pages() == before);
}
