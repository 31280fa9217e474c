// FakeDomain and FakeWorld: guest RAM and grant tables in memfds.
#include "foreignmem/fake_world.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::xen {

namespace {

Result<std::pair<UniqueFd, MemoryMap>> make_memfd(const char* name, std::size_t bytes) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd.valid()) return fail_errno("memfd_create");
    if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) < 0) return fail_errno("ftruncate");
    auto view = map_shared(fd.get(), bytes, PROT_READ | PROT_WRITE, 0, name);
    if (!view) return std::unexpected(view.error());
    return std::pair{std::move(fd), std::move(*view)};
}

}  // namespace

Result<std::unique_ptr<FakeDomain>> FakeDomain::create(domid_t id, xen_pfn_t first_gfn,
                                                       std::size_t nr_pages,
                                                       std::size_t grant_frames) {
    if (nr_pages == 0 || grant_frames == 0) return fail(EINVAL, "fake domain without memory");
    std::unique_ptr<FakeDomain> domain(new FakeDomain());
    domain->id_ = id;
    domain->first_gfn_ = first_gfn;
    domain->populated_.assign(nr_pages, true);
    domain->allocated_.assign(nr_pages, false);
    auto memory = make_memfd("fake-guest-ram", nr_pages * kXenPageSize);
    if (!memory) return std::unexpected(memory.error());
    domain->memory_fd_ = std::move(memory->first);
    domain->memory_ = std::move(memory->second);
    auto grants = make_memfd("fake-grant-table", grant_frames * kXenPageSize);
    if (!grants) return std::unexpected(grants.error());
    domain->grant_frames_ = grant_frames;
    domain->grant_fd_ = std::move(grants->first);
    domain->grants_ = std::move(grants->second);
    return domain;
}

bool FakeDomain::populated(xen_pfn_t gfn) const {
    return gfn >= first_gfn_ && gfn - first_gfn_ < populated_.size() && populated_[gfn - first_gfn_];
}

void FakeDomain::unpopulate(xen_pfn_t gfn) {
    if (populated(gfn)) populated_[gfn - first_gfn_] = false;
}

bool FakeDomain::populate(xen_pfn_t gfn) {
    if (gfn < first_gfn_ || gfn - first_gfn_ >= populated_.size()) return false;
    const std::size_t i = gfn - first_gfn_;
    if (!populated_[i]) {
        // A fresh page reads as zeroes; punching a hole does that without allocating memory.
        const auto offset = static_cast<off_t>(i * kXenPageSize);
        if (::fallocate(memory_fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
                        kXenPageSize) != 0) {
            std::memset(memory_.bytes().subspan(i * kXenPageSize, kXenPageSize).data(), 0,
                        kXenPageSize);
        }
        populated_[i] = true;
    }
    return true;
}

std::optional<off_t> FakeDomain::frame_offset(xen_pfn_t gfn) const {
    if (!populated(gfn)) return std::nullopt;
    return static_cast<off_t>((gfn - first_gfn_) * kXenPageSize);
}

std::span<std::byte> FakeDomain::page(xen_pfn_t gfn) const {
    auto offset = frame_offset(gfn);
    if (!offset) return {};
    return memory_.bytes().subspan(static_cast<std::size_t>(*offset), kXenPageSize);
}

grant_entry_v1_t& FakeDomain::grant(grant_ref_t ref) const {
    return static_cast<grant_entry_v1_t*>(grants_.data())[ref];
}

void FakeDomain::grant_access(grant_ref_t ref, domid_t to, xen_pfn_t gfn, bool readonly) const {
    auto& entry = grant(ref);
    entry.frame = static_cast<std::uint32_t>(gfn);
    entry.domid = to;
    // The flags go last, after a barrier, as the guest-side protocol in grant_table.h requires.
    std::atomic_thread_fence(std::memory_order_release);
    std::atomic_ref<std::uint16_t>(entry.flags)
        .store(static_cast<std::uint16_t>(GTF_permit_access | (readonly ? GTF_readonly : 0)),
               std::memory_order_release);
}

std::optional<xen_pfn_t> FakeDomain::allocate_frame() {
    for (std::size_t i = 0; i < allocated_.size(); ++i) {
        if (populated_[i] && !allocated_[i]) {
            allocated_[i] = true;
            std::memset(memory_.bytes().subspan(i * kXenPageSize, kXenPageSize).data(), 0,
                        kXenPageSize);
            return first_gfn_ + i;
        }
    }
    return std::nullopt;
}

void FakeDomain::free_frame(xen_pfn_t gfn) {
    if (gfn >= first_gfn_ && gfn - first_gfn_ < allocated_.size()) {
        allocated_[gfn - first_gfn_] = false;
    }
}

Result<FakeDomain*> FakeWorld::add_domain(domid_t id, xen_pfn_t first_gfn, std::size_t nr_pages,
                                          std::size_t grant_frames) {
    auto domain = FakeDomain::create(id, first_gfn, nr_pages, grant_frames);
    if (!domain) return std::unexpected(domain.error());
    auto& slot = domains_[id];
    slot = std::move(*domain);
    return slot.get();
}

FakeDomain* FakeWorld::find(domid_t id) const {
    auto it = domains_.find(id);
    return it == domains_.end() ? nullptr : it->second.get();
}

Result<MemoryMap> map_fake_frames(int fd, std::span<const std::optional<off_t>> offsets,
                                  int prot) {
    if (::sysconf(_SC_PAGESIZE) != static_cast<long>(kXenPageSize)) {
        return fail(EINVAL, "fake mappings need a 4 KiB host page size");
    }
    if (offsets.empty()) return fail(EINVAL, "fake mapping of no frames");
    const std::size_t size = offsets.size() * kXenPageSize;
    void* base = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return fail_errno("mmap reservation");
    MemoryMap region(base, size);
    for (std::size_t i = 0; i < offsets.size(); ++i) {
        if (!offsets[i]) continue;
        void* at = static_cast<std::byte*>(base) + i * kXenPageSize;
        if (::mmap(at, kXenPageSize, prot, MAP_SHARED | MAP_FIXED, fd, *offsets[i]) == MAP_FAILED) {
            return fail_errno("mmap fake frame");
        }
    }
    return region;
}

}  // namespace tessera::xen
