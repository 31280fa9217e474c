// libs/foreignmem: the device fails cleanly on a host; the fake's mappings alias guest memory.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "foreignmem/fake_foreign_memory.hpp"

using namespace tessera::xen;

namespace {

// mincore() fails with ENOMEM when part of the range is not mapped.
bool mapped(const void* address, std::size_t bytes) {
    std::array<unsigned char, 64> vec{};
    return ::mincore(const_cast<void*>(address), bytes, vec.data()) == 0;
}

}  // namespace

TEST_CASE("PrivcmdForeignMemory reports a missing device with ENOENT", "[foreignmem]") {
    auto missing = PrivcmdForeignMemory::open("/nonexistent/xen/privcmd");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message.find("/nonexistent/xen/privcmd") != std::string::npos);
}

TEST_CASE("a batch maps guest frames contiguously and aliases them", "[foreignmem]") {
    FakeWorld world;
    FakeDomain* guest = *world.add_domain(3, 0x40000, 8);
    FakeForeignMemory memory(world);
    std::memcpy(guest->page(0x40005).data(), "kernel", 6);
    const std::array<xen_pfn_t, 2> gfns{0x40005, 0x40001};
    auto mapping = memory.map(3, gfns);
    REQUIRE(mapping);
    REQUIRE(mapping->complete());
    CHECK(std::memcmp(mapping->page(0).data(), "kernel", 6) == 0);
    // Writes through the mapping land in the guest's frame (what the domain builder relies on).
    std::memcpy(mapping->page(1).data() + 100, "dtb", 3);
    CHECK(std::memcmp(guest->page(0x40001).data() + 100, "dtb", 3) == 0);
}

TEST_CASE("per-frame errors: unpopulated frames fail alone, unknown domains fail all",
          "[foreignmem]") {
    FakeWorld world;
    FakeDomain* guest = *world.add_domain(3, 0x40000, 4);
    guest->unpopulate(0x40002);
    FakeForeignMemory memory(world);
    const std::array<xen_pfn_t, 3> gfns{0x40000, 0x40002, 0x50000};
    auto mapping = memory.map(3, gfns);
    REQUIRE(mapping);
    CHECK_FALSE(mapping->complete());
    CHECK(std::vector<int>(mapping->errors().begin(), mapping->errors().end()) ==
          std::vector<int>{0, -EINVAL, -EINVAL});
    CHECK(mapped(mapping->page(0).data(), 4096));

    auto nobody = memory.map(9, std::array<xen_pfn_t, 1>{0x40000});
    REQUIRE(nobody);
    CHECK(nobody->errors()[0] == -ESRCH);
    CHECK(memory.map(3, std::span<const xen_pfn_t>{}).error().code == EINVAL);
}

TEST_CASE("mappings are unmapped on destruction", "[foreignmem]") {
    FakeWorld world;
    (void)*world.add_domain(3, 0, 4);
    FakeForeignMemory memory(world);
    void* address = nullptr;
    {
        auto mapping = memory.map(3, std::array<xen_pfn_t, 2>{0, 1});
        REQUIRE(mapping);
        address = mapping->data();
        CHECK(mapped(address, 2 * 4096));
    }
    CHECK_FALSE(mapped(address, 2 * 4096));
}

TEST_CASE("MMAP_RESOURCE maps another domain's grant table", "[foreignmem]") {
    FakeWorld world;
    FakeDomain* guest = *world.add_domain(4, 0x40000, 4, 2);
    FakeForeignMemory memory(world);
    CHECK(*memory.resource_size(4, XENMEM_resource_grant_table,
                                XENMEM_resource_grant_table_id_shared) == 2);
    auto table = memory.map_resource(4, XENMEM_resource_grant_table,
                                     XENMEM_resource_grant_table_id_shared, 0, 1);
    REQUIRE(table);
    // The toolstack seeds entry 1 (GNTTAB_RESERVED_XENSTORE) for xenstored in dom0.
    auto* entries = reinterpret_cast<grant_entry_v1_t*>(table->data());
    entries[GNTTAB_RESERVED_XENSTORE].frame = 0x40003;
    entries[GNTTAB_RESERVED_XENSTORE].domid = 0;
    entries[GNTTAB_RESERVED_XENSTORE].flags = GTF_permit_access;
    CHECK(guest->grant(GNTTAB_RESERVED_XENSTORE).frame == 0x40003);
    CHECK(guest->grant(GNTTAB_RESERVED_XENSTORE).flags == GTF_permit_access);

    CHECK(memory.map_resource(4, XENMEM_resource_grant_table,
                              XENMEM_resource_grant_table_id_shared, 1, 2)
              .error().code == EINVAL);
    CHECK(memory.map_resource(4, XENMEM_resource_grant_table,
                              XENMEM_resource_grant_table_id_status, 0, 1)
              .error().code == EINVAL);
    CHECK(memory.resource_size(4, XENMEM_resource_ioreq_server, 0).error().code == EOPNOTSUPP);
    CHECK(memory.resource_size(8, XENMEM_resource_grant_table, 0).error().code == ESRCH);
}
