// FakeGrantMapper and FakeGrantAllocator: the gntdev and gntalloc drivers plus Xen's grant-table
// checks, over the guests of a FakeWorld (libs/foreignmem). Modelled behaviour and its sources:
//  - map/copy status per grant (xen/common/grant_table.c map_grant_ref, _set_status_v1,
//    acquire_grant_for_copy): unknown granting domain GNTST_bad_domain; ref >= number of entries
//    GNTST_bad_gntref; entry not GTF_permit_access (or GTF_sub_page for a map), or granted to
//    another domain, GNTST_general_error; a writable map or a copy into a GTF_readonly grant
//    GNTST_general_error (Xen 4.17 says general_error here, not permission_denied); a frame the
//    granter has not populated GNTST_bad_page;
//  - while mapped the entry carries GTF_reading (and GTF_writing if writable), cleared when the
//    last mapping goes (that is how a granter sees its page is still in use);
//  - a gntdev map fails as a whole with EINVAL when any ref fails (Linux gntdev_map_grant_pages;
//    the per-ref statuses are kept in last_map_status() since the driver does not return them);
//  - grant copy: local to local, or a grant side crossing 4 KiB, is EINVAL for the whole call
//    (Linux gntdev_grant_copy_seg); otherwise each segment gets its own status;
//  - unmap notify: on unmap, clear the byte and/or send the event (Linux gntdev/gntalloc
//    unmap_notify); the offset must fall inside the pages (EINVAL);
//  - gntalloc takes refs above the reserved ones (GNTTAB_NR_RESERVED_ENTRIES) and frames of the
//    allocating domain; on release the grant ends if the remote no longer maps it, otherwise the
//    entry is left for the remote to unmap (Linux defers the end of access the same way).
#pragma once

#include <vector>

#include "foreignmem/fake_world.hpp"
#include "gnttab/grants.hpp"

namespace tessera::xen {

class FakeGrantMapper final : public GrantMapper {
public:
    FakeGrantMapper(FakeWorld& world, domid_t self) : world_(world), self_(self) {}

    Result<GrantPages> map(domid_t domid, std::span<const grant_ref_t> refs,
                           bool writable) override;
    Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) override;
    Result<void> copy(std::span<GrantCopySegment> segments) override;

    /// GNTST_* of each ref of the last map() call.
    const std::vector<std::int16_t>& last_map_status() const { return last_map_status_; }

private:
    FakeWorld& world_;
    domid_t self_;
    std::vector<std::int16_t> last_map_status_;
};

class FakeGrantAllocator final : public GrantAllocator {
public:
    FakeGrantAllocator(FakeWorld& world, domid_t self) : world_(world), self_(self) {}

    Result<GrantPages> allocate(domid_t remote, std::size_t count, bool writable) override;
    Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) override;

private:
    FakeWorld& world_;
    domid_t self_;
};

/// The GNTST_* name of a status ("GNTST_bad_gntref").
const char* grant_status_name(std::int16_t status);

}  // namespace tessera::xen
