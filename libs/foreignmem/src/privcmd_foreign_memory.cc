// PrivcmdForeignMemory: IOCTL_PRIVCMD_MMAPBATCH_V2 and IOCTL_PRIVCMD_MMAP_RESOURCE.
#include <cerrno>
#include <string>

#include "foreignmem/foreign_memory.hpp"

// privcmd.h needs size_t, domid_t and xen_pfn_t first.
#include <xen/sys/privcmd.h>

namespace tessera::xen {

bool ForeignMapping::complete() const {
    for (int e : errors_) {
        if (e != 0) return false;
    }
    return true;
}

Result<PrivcmdForeignMemory> PrivcmdForeignMemory::open(const std::string& path) {
    auto fd = open_device(path);
    if (!fd) return std::unexpected(fd.error());
    return PrivcmdForeignMemory(std::move(*fd));
}

Result<ForeignMapping> PrivcmdForeignMemory::map_frames(domid_t domid, std::span<const xen_pfn_t> gfns,
                                                 int prot) {
    if (gfns.empty()) return fail(EINVAL, "foreign map: no frames");
    // The batch must cover a VMA made by mmap() on the privcmd descriptor exactly.
    auto region = map_shared(fd_.get(), gfns.size() * kXenPageSize, prot, 0, "privcmd");
    if (!region) return std::unexpected(region.error());
    std::vector<int> errors(gfns.size(), 0);
    privcmd_mmapbatch_v2_t batch{};
    batch.num = static_cast<unsigned>(gfns.size());
    batch.dom = domid;
    batch.addr = reinterpret_cast<std::uintptr_t>(region->data());
    batch.arr = gfns.data();
    batch.err = errors.data();
    // ENOENT means "some frames are paged out" and still fills err[]; other errors are global.
    if (::ioctl(fd_.get(), IOCTL_PRIVCMD_MMAPBATCH_V2, &batch) < 0 && errno != ENOENT) {
        return fail_errno("IOCTL_PRIVCMD_MMAPBATCH_V2 of d" + std::to_string(domid));
    }
    return ForeignMapping(std::move(*region), std::move(errors));
}

Result<std::size_t> PrivcmdForeignMemory::resource_size(domid_t domid, unsigned type,
                                                        unsigned id) {
    privcmd_mmap_resource_t query{};
    query.dom = domid;
    query.type = type;
    query.id = id;
    // addr = num = 0 asks Xen for the resource's size.
    if (::ioctl(fd_.get(), IOCTL_PRIVCMD_MMAP_RESOURCE, &query) < 0) {
        return fail_errno("IOCTL_PRIVCMD_MMAP_RESOURCE size query of d" + std::to_string(domid));
    }
    return static_cast<std::size_t>(query.num);
}

Result<ForeignMapping> PrivcmdForeignMemory::map_resource_frames(domid_t domid, unsigned type,
                                                          unsigned id, std::size_t frame,
                                                          std::size_t nr_frames, int prot) {
    if (nr_frames == 0) return fail(EINVAL, "resource map: no frames");
    auto region = map_shared(fd_.get(), nr_frames * kXenPageSize, prot, 0, "privcmd");
    if (!region) return std::unexpected(region.error());
    privcmd_mmap_resource_t request{};
    request.dom = domid;
    request.type = type;
    request.id = id;
    request.idx = static_cast<std::uint32_t>(frame);
    request.num = nr_frames;
    request.addr = reinterpret_cast<std::uintptr_t>(region->data());
    if (::ioctl(fd_.get(), IOCTL_PRIVCMD_MMAP_RESOURCE, &request) < 0) {
        return fail_errno("IOCTL_PRIVCMD_MMAP_RESOURCE of d" + std::to_string(domid));
    }
    return ForeignMapping(std::move(*region), std::vector<int>(nr_frames, 0));
}

}  // namespace tessera::xen
