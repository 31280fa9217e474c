// Mapping another domain's memory into dom0: ForeignMapping (RAII, unmapped on destruction) from
// a ForeignMemory, real (privcmd MMAPBATCH_V2 / MMAP_RESOURCE, XEN-ABI.md §3.1) or fake.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

namespace tessera::xen {

/// Frames of another domain mapped contiguously into this process.
class ForeignMapping {
public:
    ForeignMapping() = default;
    ForeignMapping(MemoryMap map, std::vector<int> errors)
        : map_(std::move(map)), errors_(std::move(errors)) {}

    std::byte* data() const { return static_cast<std::byte*>(map_.data()); }
    std::span<std::byte> bytes() const { return map_.bytes(); }
    std::size_t pages() const { return errors_.size(); }
    /// Frame i of the mapping (4 KiB).
    std::span<std::byte> page(std::size_t i) const {
        return bytes().subspan(i * kXenPageSize, kXenPageSize);
    }
    /// Per frame: 0, or the negative errno the driver reported (MMAPBATCH_V2 err[]). A failed
    /// frame is not mapped: touching it faults.
    std::span<const int> errors() const { return errors_; }
    /// True when every frame mapped.
    bool complete() const;

private:
    MemoryMap map_;
    std::vector<int> errors_;
};

class ForeignMemory {
public:
    virtual ~ForeignMemory() = default;

    /// Map `gfns` of `domid` (PROT_READ and/or PROT_WRITE). Per-frame failures are reported in
    /// the mapping's errors(); an empty list, or a failure of the call itself, is an Error.
    Result<ForeignMapping> map(domid_t domid, std::span<const xen_pfn_t> gfns,
                               int prot = PROT_READ | PROT_WRITE) {
        return map_frames(domid, gfns, prot);
    }
    /// Number of frames of a resource (XENMEM_acquire_resource size query).
    virtual Result<std::size_t> resource_size(domid_t domid, unsigned type, unsigned id) = 0;
    /// Map frames [frame, frame + nr_frames) of a resource, e.g. XENMEM_resource_grant_table
    /// id XENMEM_resource_grant_table_id_shared: another domain's grant table.
    Result<ForeignMapping> map_resource(domid_t domid, unsigned type, unsigned id,
                                        std::size_t frame, std::size_t nr_frames,
                                        int prot = PROT_READ | PROT_WRITE) {
        return map_resource_frames(domid, type, id, frame, nr_frames, prot);
    }

protected:
    virtual Result<ForeignMapping> map_frames(domid_t domid, std::span<const xen_pfn_t> gfns,
                                              int prot) = 0;
    virtual Result<ForeignMapping> map_resource_frames(domid_t domid, unsigned type, unsigned id,
                                                       std::size_t frame, std::size_t nr_frames,
                                                       int prot) = 0;
};

/// The real one: its own descriptor on /dev/xen/privcmd (like libxenforeignmemory).
class PrivcmdForeignMemory final : public ForeignMemory {
public:
    static Result<PrivcmdForeignMemory> open(const std::string& path = "/dev/xen/privcmd");

    Result<std::size_t> resource_size(domid_t domid, unsigned type, unsigned id) override;

protected:
    Result<ForeignMapping> map_frames(domid_t domid, std::span<const xen_pfn_t> gfns,
                                      int prot) override;
    Result<ForeignMapping> map_resource_frames(domid_t domid, unsigned type, unsigned id,
                                               std::size_t frame, std::size_t nr_frames,
                                               int prot) override;

private:
    explicit PrivcmdForeignMemory(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace tessera::xen
