// FakeForeignMemory: ForeignMemory over a FakeWorld. Modelled behaviour and its sources:
//  - an empty batch is EINVAL for the whole call (Linux privcmd_ioctl_mmap_batch: num <= 0);
//  - a frame the guest has not populated fails alone with -EINVAL (Xen/Arm add_to_physmap of
//    XENMAPSPACE_gmfn_foreign: no page at that gfn), the other frames still map;
//  - an unknown domain fails every frame with -ESRCH (Xen cannot find the foreign domain; Linux
//    stores each frame's hypercall error in err[]);
//  - MMAP_RESOURCE of XENMEM_resource_grant_table id shared maps the guest's grant-table frames;
//    the status id of a v1 table is EINVAL; other resource types are EOPNOTSUPP; a range past
//    the table is EINVAL; the size query returns the number of grant frames (XEN-ABI.md §3.1,
//    xen/common/grant_table.c gnttab_acquire_resource).
#pragma once

#include "foreignmem/fake_world.hpp"
#include "foreignmem/foreign_memory.hpp"

namespace tessera::xen {

class FakeForeignMemory final : public ForeignMemory {
public:
    explicit FakeForeignMemory(FakeWorld& world) : world_(world) {}

    Result<std::size_t> resource_size(domid_t domid, unsigned type, unsigned id) override;

protected:
    Result<ForeignMapping> map_frames(domid_t domid, std::span<const xen_pfn_t> gfns,
                                      int prot) override;
    Result<ForeignMapping> map_resource_frames(domid_t domid, unsigned type, unsigned id,
                                               std::size_t frame, std::size_t nr_frames,
                                               int prot) override;

private:
    Result<FakeDomain*> grant_table_of(domid_t domid, unsigned type, unsigned id) const;

    FakeWorld& world_;
};

}  // namespace tessera::xen
