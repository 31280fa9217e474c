// FakeForeignMemory: foreign mappings of FakeWorld domains.
#include "foreignmem/fake_foreign_memory.hpp"

#include <cerrno>
#include <string>

namespace tessera::xen {

Result<ForeignMapping> FakeForeignMemory::map_frames(domid_t domid, std::span<const xen_pfn_t> gfns,
                                              int prot) {
    if (gfns.empty()) return fail(EINVAL, "foreign map: no frames");
    const FakeDomain* domain = world_.find(domid);
    std::vector<std::optional<off_t>> offsets(gfns.size());
    std::vector<int> errors(gfns.size(), 0);
    for (std::size_t i = 0; i < gfns.size(); ++i) {
        if (domain == nullptr) {
            errors[i] = -ESRCH;
        } else if (auto offset = domain->frame_offset(gfns[i])) {
            offsets[i] = offset;
        } else {
            errors[i] = -EINVAL;
        }
    }
    auto region = map_fake_frames(domain ? domain->memory_fd() : -1, offsets, prot);
    if (!region) return std::unexpected(region.error());
    return ForeignMapping(std::move(*region), std::move(errors));
}

Result<FakeDomain*> FakeForeignMemory::grant_table_of(domid_t domid, unsigned type,
                                                      unsigned id) const {
    if (type != XENMEM_resource_grant_table) {
        return fail(EOPNOTSUPP, "acquire_resource: type " + std::to_string(type));
    }
    if (id != XENMEM_resource_grant_table_id_shared) {
        return fail(EINVAL, "acquire_resource: grant table id " + std::to_string(id));
    }
    FakeDomain* domain = world_.find(domid);
    if (domain == nullptr) return fail(ESRCH, "acquire_resource: no d" + std::to_string(domid));
    return domain;
}

Result<std::size_t> FakeForeignMemory::resource_size(domid_t domid, unsigned type, unsigned id) {
    auto domain = grant_table_of(domid, type, id);
    if (!domain) return std::unexpected(domain.error());
    return (*domain)->grant_frames();
}

Result<ForeignMapping> FakeForeignMemory::map_resource_frames(domid_t domid, unsigned type, unsigned id,
                                                       std::size_t frame, std::size_t nr_frames,
                                                       int prot) {
    if (nr_frames == 0) return fail(EINVAL, "resource map: no frames");
    auto domain = grant_table_of(domid, type, id);
    if (!domain) return std::unexpected(domain.error());
    if (frame >= (*domain)->grant_frames() || nr_frames > (*domain)->grant_frames() - frame) {
        return fail(EINVAL, "acquire_resource: frames past the grant table");
    }
    std::vector<std::optional<off_t>> offsets;
    for (std::size_t i = 0; i < nr_frames; ++i) {
        offsets.emplace_back(static_cast<off_t>((frame + i) * kXenPageSize));
    }
    auto region = map_fake_frames((*domain)->grant_fd(), offsets, prot);
    if (!region) return std::unexpected(region.error());
    return ForeignMapping(std::move(*region), std::vector<int>(nr_frames, 0));
}

}  // namespace tessera::xen
