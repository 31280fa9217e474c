// FakeGrantMapper and FakeGrantAllocator over a FakeWorld.
#include "gnttab/fake_grants.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::xen {

namespace {

std::uint16_t flags_of(const grant_entry_v1_t& entry) {
    return std::atomic_ref<std::uint16_t>(const_cast<grant_entry_v1_t&>(entry).flags)
        .load(std::memory_order_acquire);
}

void set_flags(grant_entry_v1_t& entry, std::uint16_t set, std::uint16_t clear) {
    std::atomic_ref<std::uint16_t> flags(entry.flags);
    flags.store(static_cast<std::uint16_t>((flags.load() | set) & ~clear));
}

// Xen's checks for taking `ref` of `granter` on behalf of `self` (see fake_grants.hpp).
std::int16_t check_grant(const FakeDomain* granter, grant_ref_t ref, domid_t self, bool write,
                         bool is_map) {
    if (granter == nullptr) return GNTST_bad_domain;
    if (ref >= granter->grant_entries()) return GNTST_bad_gntref;
    const auto& entry = granter->grant(ref);
    const std::uint16_t flags = flags_of(entry);
    const std::uint16_t mask = GTF_type_mask | (is_map ? GTF_sub_page : 0);
    if ((flags & mask) != GTF_permit_access || entry.domid != self) return GNTST_general_error;
    if (write && (flags & GTF_readonly)) return GNTST_general_error;
    if (!granter->populated(entry.frame)) return GNTST_bad_page;
    return GNTST_okay;
}

void apply_notify(FakeWorld& world, domid_t self, std::span<std::byte> page_bytes,
                  const UnmapNotify& notify) {
    if (notify.clear_byte && notify.offset < page_bytes.size()) {
        page_bytes[notify.offset] = std::byte{0};
    }
    if (notify.port) world.send_event(self, *notify.port);
}

}  // namespace

const char* grant_status_name(std::int16_t status) {
    switch (status) {
        case GNTST_okay: return "GNTST_okay";
        case GNTST_general_error: return "GNTST_general_error";
        case GNTST_bad_domain: return "GNTST_bad_domain";
        case GNTST_bad_gntref: return "GNTST_bad_gntref";
        case GNTST_permission_denied: return "GNTST_permission_denied";
        case GNTST_bad_page: return "GNTST_bad_page";
        case GNTST_bad_copy_arg: return "GNTST_bad_copy_arg";
        default: return "GNTST_unknown";
    }
}

Result<GrantPages> FakeGrantMapper::map(domid_t domid, std::span<const grant_ref_t> refs,
                                        bool writable) {
    last_map_status_.assign(refs.size(), GNTST_okay);
    if (refs.empty()) return fail(EINVAL, "gntdev map: no refs");
    FakeDomain* granter = world_.find(domid);
    std::string failures;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        last_map_status_[i] = check_grant(granter, refs[i], self_, writable, true);
        if (last_map_status_[i] != GNTST_okay) {
            failures += " ref " + std::to_string(refs[i]) + ": " +
                        grant_status_name(last_map_status_[i]);
        }
    }
    if (!failures.empty()) {
        return fail(EINVAL, "gntdev map of d" + std::to_string(domid) + " failed:" + failures);
    }
    std::vector<std::optional<off_t>> offsets;
    for (grant_ref_t ref : refs) offsets.push_back(granter->frame_offset(granter->grant(ref).frame));
    auto region = map_fake_frames(granter->memory_fd(), offsets, PROT_READ | (writable ? PROT_WRITE : 0));
    if (!region) return std::unexpected(region.error());
    const std::uint16_t in_use = GTF_reading | (writable ? GTF_writing : 0);
    for (grant_ref_t ref : refs) {
        set_flags(granter->grant(ref), in_use, 0);
        ++world_.pins[{domid, ref}];
    }
    std::vector<grant_ref_t> held(refs.begin(), refs.end());
    auto release = [&world = world_, self = self_, domid, held](const UnmapNotify& notify) {
        FakeDomain* owner = world.find(domid);
        if (owner == nullptr) return;
        const std::size_t page = notify.offset / kXenPageSize;
        if (page < held.size()) {
            auto bytes = owner->page(owner->grant(held[page]).frame);
            if (!bytes.empty()) {
                UnmapNotify local = notify;
                local.offset %= kXenPageSize;
                apply_notify(world, self, bytes, local);
            }
        }
        for (grant_ref_t ref : held) {
            if (--world.pins[{domid, ref}] == 0) {
                world.pins.erase({domid, ref});
                set_flags(owner->grant(ref), 0, GTF_reading | GTF_writing);
            }
        }
    };
    return GrantPages(std::move(*region), 0, {}, std::move(release));
}

Result<void> FakeGrantMapper::set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) {
    if (notify.offset >= pages.bytes().size()) return fail(EINVAL, "unmap notify past the pages");
    pages.set_notify_record(notify);
    return {};
}

Result<void> FakeGrantMapper::copy(std::span<GrantCopySegment> segments) {
    for (const auto& s : segments) {
        const bool src_gref = s.flags & GNTCOPY_source_gref;
        const bool dst_gref = s.flags & GNTCOPY_dest_gref;
        if (!src_gref && !dst_gref) return fail(EINVAL, "grant copy: local to local");
        if ((src_gref && s.source.foreign.offset + s.len > kXenPageSize) ||
            (dst_gref && s.dest.foreign.offset + s.len > kXenPageSize)) {
            return fail(EINVAL, "grant copy: crosses a page on the grant side");
        }
    }
    for (auto& s : segments) {
        const bool src_gref = s.flags & GNTCOPY_source_gref;
        const bool dst_gref = s.flags & GNTCOPY_dest_gref;
        std::byte* from = static_cast<std::byte*>(s.source.virt);
        std::byte* to = static_cast<std::byte*>(s.dest.virt);
        s.status = GNTST_okay;
        if (src_gref) {
            const FakeDomain* d = world_.find(s.source.foreign.domid);
            s.status = check_grant(d, s.source.foreign.ref, self_, false, false);
            if (s.status == GNTST_okay) {
                from = d->page(d->grant(s.source.foreign.ref).frame).data() + s.source.foreign.offset;
            }
        }
        if (s.status == GNTST_okay && dst_gref) {
            const FakeDomain* d = world_.find(s.dest.foreign.domid);
            s.status = check_grant(d, s.dest.foreign.ref, self_, true, false);
            if (s.status == GNTST_okay) {
                to = d->page(d->grant(s.dest.foreign.ref).frame).data() + s.dest.foreign.offset;
            }
        }
        if (s.status == GNTST_okay) std::memmove(to, from, s.len);
    }
    return {};
}

Result<GrantPages> FakeGrantAllocator::allocate(domid_t remote, std::size_t count, bool writable) {
    if (count == 0) return fail(EINVAL, "gntalloc: no pages");
    FakeDomain* self = world_.find(self_);
    if (self == nullptr) return fail(ESRCH, "gntalloc: no fake d" + std::to_string(self_));
    std::vector<grant_ref_t> refs;
    std::vector<xen_pfn_t> frames;
    std::vector<std::optional<off_t>> offsets;
    auto undo = [&] {
        for (std::size_t i = 0; i < refs.size(); ++i) {
            self->grant(refs[i]) = grant_entry_v1_t{};
            self->free_frame(frames[i]);
        }
    };
    grant_ref_t next = GNTTAB_NR_RESERVED_ENTRIES;
    while (refs.size() < count) {
        while (next < self->grant_entries() && flags_of(self->grant(next)) != 0) ++next;
        auto frame = self->allocate_frame();
        if (next >= self->grant_entries() || !frame) {
            if (frame) self->free_frame(*frame);
            undo();
            return fail(ENOSPC, "gntalloc: out of grant entries or frames");
        }
        self->grant_access(next, remote, *frame, !writable);
        refs.push_back(next);
        frames.push_back(*frame);
        offsets.push_back(self->frame_offset(*frame));
    }
    auto region = map_fake_frames(self->memory_fd(), offsets, PROT_READ | PROT_WRITE);
    if (!region) {
        undo();
        return std::unexpected(region.error());
    }
    auto release = [&world = world_, self_id = self_, refs, frames](const UnmapNotify& notify) {
        FakeDomain* owner = world.find(self_id);
        if (owner == nullptr) return;
        const std::size_t page = notify.offset / kXenPageSize;
        if (page < frames.size()) {
            UnmapNotify local = notify;
            local.offset %= kXenPageSize;
            apply_notify(world, self_id, owner->page(frames[page]), local);
        }
        for (std::size_t i = 0; i < refs.size(); ++i) {
            if (flags_of(owner->grant(refs[i])) & (GTF_reading | GTF_writing)) continue;
            owner->grant(refs[i]) = grant_entry_v1_t{};
            owner->free_frame(frames[i]);
        }
    };
    return GrantPages(std::move(*region), 0, refs, std::move(release));
}

Result<void> FakeGrantAllocator::set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) {
    if (notify.offset >= pages.bytes().size()) return fail(EINVAL, "unmap notify past the pages");
    pages.set_notify_record(notify);
    return {};
}

}  // namespace tessera::xen
