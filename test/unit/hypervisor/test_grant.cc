// Grant map, unmap and copy: validation and the GTF_reading/GTF_writing bookkeeping that keeps
// a frontend from reusing a page a backend still holds (XEN-ABI.md §1.6, §3.3).
#include <cstring>

#include "hv/grant.h"
#include "hv/hypercall.h"
#include "world.h"

using namespace hv;

namespace {

struct Pair {
    test::TestDomain front{5, 1, 64};
    test::TestDomain back{0, 1, 64, true};
    grant_entry_v1* table = nullptr;

    Pair() {
        PAddr f = grant::frame(*front, 0);
        REQUIRE(f.raw() != 0);
        table = reinterpret_cast<grant_entry_v1*>(f.raw());
    }
    /// Grants RAM page `page` of the frontend to dom0 as `ref`.
    void grant(u32 ref, usize page, bool readonly = false) {
        table[ref].domid = 0;
        table[ref].frame = static_cast<u32>(front.gfn(page));
        table[ref].flags = static_cast<u16>(GTF_permit_access | (readonly ? GTF_readonly : 0));
    }
    u16 flags(u32 ref) const { return table[ref].flags; }
};

}  // namespace

TEST_CASE("mapping a grant pins it; the last unmap releases it") {
    Pair p;
    p.grant(8, 3);
    std::strcpy(p.front.ram<char>(3), "frontend data");
    u32 h1 = 0, h2 = 0;
    u64 bus = 0;
    u64 gfn1 = 0x70000, gfn2 = 0x70001;
    REQUIRE(grant::map(*p.back, {5, 8, false}, gfn1, h1, bus) == GNTST_okay);
    CHECK(bus == reinterpret_cast<u64>(p.front.ram(3)));  // the true host address
    mm::P2mEntry e = p.back->p2m.lookup(IPAddr(gfn1 << kPageShift));
    CHECK(e.type == mm::P2mType::kGrant);
    CHECK(e.perm == mm::Perm::kReadWrite);
    CHECK(std::strcmp(static_cast<char*>(reinterpret_cast<void*>(e.pa.raw())), "frontend data") == 0);
    CHECK((p.flags(8) & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing));

    REQUIRE(grant::map(*p.back, {5, 8, true}, gfn2, h2, bus) == GNTST_okay);
    CHECK(h2 != h1);
    CHECK(p.back->p2m.lookup(IPAddr(gfn2 << kPageShift)).perm == mm::Perm::kRead);

    REQUIRE(grant::unmap(*p.back, h1, gfn1) == GNTST_okay);
    CHECK_FALSE(p.back->p2m.lookup(IPAddr(gfn1 << kPageShift)).valid());
    CHECK((p.flags(8) & GTF_writing) == 0);  // no writer left
    CHECK((p.flags(8) & GTF_reading) != 0);  // the read-only mapping remains
    CHECK(grant::unmap(*p.back, h1, gfn1) == GNTST_bad_handle);
    CHECK(grant::unmap(*p.back, h2, gfn1) == GNTST_bad_virt_addr);
    REQUIRE(grant::unmap(*p.back, h2, gfn2) == GNTST_okay);
    CHECK(p.flags(8) == GTF_permit_access);  // the frontend may now revoke it
}

TEST_CASE("maps that must fail: read-only grant written, wrong domain, bad ref, revoked, no page") {
    Pair p;
    u32 h = 0;
    u64 bus = 0;
    p.grant(9, 4, true);
    CHECK(grant::map(*p.back, {5, 9, false}, 0x70000, h, bus) == GNTST_general_error);
    CHECK(grant::map(*p.back, {5, 9, true}, 0x70000, h, bus) == GNTST_okay);
    p.grant(10, 4);
    p.table[10].domid = 3;  // granted to someone else
    CHECK(grant::map(*p.back, {5, 10, false}, 0x70001, h, bus) == GNTST_general_error);
    CHECK(grant::map(*p.back, {5, 5000, false}, 0x70001, h, bus) == GNTST_bad_gntref);
    CHECK(grant::map(*p.back, {77, 8, false}, 0x70001, h, bus) == GNTST_bad_domain);
    p.grant(11, 4);
    p.table[11].flags = 0;  // revoked
    CHECK(grant::map(*p.back, {5, 11, false}, 0x70001, h, bus) == GNTST_general_error);
    p.grant(12, 4);
    p.table[12].frame = 0x12345;  // not the granter's RAM
    CHECK(grant::map(*p.back, {5, 12, false}, 0x70001, h, bus) == GNTST_bad_page);
    CHECK(p.flags(12) == GTF_permit_access);  // a failed map leaves no pin behind
    // Nothing failed was mapped.
    CHECK_FALSE(p.back->p2m.lookup(IPAddr(u64{0x70001} << kPageShift)).valid());
    grant::unmap_all(*p.back);
    CHECK(p.flags(9) == (GTF_permit_access | GTF_readonly));
}

TEST_CASE("grant copy in both directions, with bounds and read-only checks") {
    Pair p;
    p.grant(8, 2);
    p.grant(9, 3, true);
    std::strcpy(p.back.ram<char>(1) + 100, "to the frontend");
    grant::CopySide local{false, DOMID_SELF, p.back.gfn(1), 100};
    grant::CopySide remote{true, 5, 8, 10};
    REQUIRE(grant::copy(*p.back, local, remote, 16) == GNTST_okay);
    CHECK(std::strcmp(p.front.ram<char>(2) + 10, "to the frontend") == 0);
    CHECK(p.flags(8) == GTF_permit_access);  // pins are dropped after the copy

    std::strcpy(p.front.ram<char>(3), "read-only source");
    grant::CopySide ro{true, 5, 9, 0};
    grant::CopySide into{false, DOMID_SELF, p.back.gfn(1), 0};
    REQUIRE(grant::copy(*p.back, ro, into, 17) == GNTST_okay);
    CHECK(std::strcmp(p.back.ram<char>(1), "read-only source") == 0);
    CHECK(grant::copy(*p.back, into, ro, 4) == GNTST_general_error);  // writing a RO grant
    CHECK(grant::copy(*p.back, local, remote, 4000) == GNTST_bad_copy_arg);
    CHECK(grant::copy(*p.back, local, into, 4) == GNTST_bad_gntref);  // local to local
    grant::CopySide foreign_frame{false, 5, p.front.gfn(0), 0};
    CHECK(grant::copy(*p.front, foreign_frame, remote, 4) == GNTST_general_error);
}

TEST_CASE("the hypercall reports per-operation status and never fails the batch for one op") {
    Pair p;
    p.grant(8, 2);
    auto* ops = p.back.ram<gnttab_map_grant_ref>(10);
    ops[0] = {};
    ops[0].host_addr = u64{0x70000} << kPageShift;
    ops[0].flags = GNTMAP_host_map;
    ops[0].ref = 8;
    ops[0].dom = 5;
    ops[1] = ops[0];
    ops[1].ref = 4000;
    ops[2] = ops[0];
    ops[2].flags = GNTMAP_host_map | GNTMAP_device_map;  // refused on Arm
    Vcpu& v = p.back.vcpu();
    v.arch.regs.x[16] = __HYPERVISOR_grant_table_op;
    v.arch.regs.x[0] = GNTTABOP_map_grant_ref;
    v.arch.regs.x[1] = p.back.gva(ops).raw();
    v.arch.regs.x[2] = 3;
    hypercall::dispatch(v);
    CHECK(v.arch.regs.x[0] == 0);
    CHECK(ops[0].status == GNTST_okay);
    CHECK(ops[0].dev_bus_addr == reinterpret_cast<u64>(p.front.ram(2)));
    CHECK(ops[1].status == GNTST_bad_gntref);
    CHECK(ops[2].status == GNTST_general_error);
    auto* un = p.back.ram<gnttab_unmap_grant_ref>(11);
    un[0] = {};
    un[0].host_addr = ops[0].host_addr;
    un[0].handle = ops[0].handle;
    v.arch.regs.x[0] = GNTTABOP_unmap_grant_ref;
    v.arch.regs.x[1] = p.back.gva(un).raw();
    v.arch.regs.x[2] = 1;
    hypercall::dispatch(v);
    CHECK(v.arch.regs.x[0] == 0);
    CHECK(un[0].status == GNTST_okay);
    CHECK(p.flags(8) == GTF_permit_access);
}

TEST_CASE("the mapper's maptrack limit: a map past it fails with no_device_space, unmap frees a slot") {
    Pair p;
    p.grant(8, 3);
    p.back->gnttab.max_maptrack = 2;
    u32 h[3] = {};
    u64 bus = 0;
    REQUIRE(grant::map(*p.back, {5, 8, true}, 0x70000, h[0], bus) == GNTST_okay);
    REQUIRE(grant::map(*p.back, {5, 8, true}, 0x70001, h[1], bus) == GNTST_okay);
    CHECK(grant::map(*p.back, {5, 8, true}, 0x70002, h[2], bus) == GNTST_no_device_space);
    CHECK_FALSE(p.back->p2m.lookup(IPAddr(u64{0x70002} << kPageShift)).valid());
    REQUIRE(grant::unmap(*p.back, h[0], 0x70000) == GNTST_okay);
    REQUIRE(grant::map(*p.back, {5, 8, true}, 0x70002, h[2], bus) == GNTST_okay);
    REQUIRE(grant::unmap(*p.back, h[1], 0x70001) == GNTST_okay);
    REQUIRE(grant::unmap(*p.back, h[2], 0x70002) == GNTST_okay);
    CHECK(p.flags(8) == GTF_permit_access);
}
