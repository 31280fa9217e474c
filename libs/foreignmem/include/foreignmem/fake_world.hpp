// An in-memory stand-in for the domains Xen runs, shared by the fakes of foreignmem and gnttab:
// each FakeDomain has guest RAM and a v1 grant table, both in memfds so that a "foreign
// mapping" really aliases the guest's page (a write through the mapping is seen by the guest).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

namespace tessera::xen {

class FakeDomain {
public:
    /// RAM frames [first_gfn, first_gfn + nr_pages), all populated; grant_frames pages of v1
    /// grant entries (XEN_PAGE_SIZE / 8 entries each).
    static Result<std::unique_ptr<FakeDomain>> create(domid_t id, xen_pfn_t first_gfn,
                                                      std::size_t nr_pages,
                                                      std::size_t grant_frames);

    domid_t id() const { return id_; }
    bool populated(xen_pfn_t gfn) const;
    /// Remove a frame from the p2m (as if ballooned out): foreign maps of it then fail.
    void unpopulate(xen_pfn_t gfn);
    /// Put a frame inside the domain's range back (zeroed), as XENMEM_populate_physmap does;
    /// false when gfn is outside the range the domain was created with.
    bool populate(xen_pfn_t gfn);
    /// The guest's view of one RAM frame (empty when not populated).
    std::span<std::byte> page(xen_pfn_t gfn) const;
    /// The memfd offset of a populated frame (for mapping it), or nullopt.
    std::optional<off_t> frame_offset(xen_pfn_t gfn) const;
    int memory_fd() const { return memory_fd_.get(); }

    std::size_t grant_frames() const { return grant_frames_; }
    std::size_t grant_entries() const { return grant_frames_ * kXenPageSize / sizeof(grant_entry_v1_t); }
    /// Entry `ref` of the guest's grant table (ref < grant_entries()).
    grant_entry_v1_t& grant(grant_ref_t ref) const;
    /// What a guest's gnttab_grant_foreign_access does: frame and domid, then the flags.
    void grant_access(grant_ref_t ref, domid_t to, xen_pfn_t gfn, bool readonly) const;
    int grant_fd() const { return grant_fd_.get(); }

    /// A populated frame no grant of ours uses yet (for gntalloc), or nullopt.
    std::optional<xen_pfn_t> allocate_frame();
    void free_frame(xen_pfn_t gfn);

private:
    FakeDomain() = default;

    domid_t id_ = 0;
    xen_pfn_t first_gfn_ = 0;
    std::vector<bool> populated_;
    std::vector<bool> allocated_;
    UniqueFd memory_fd_;
    MemoryMap memory_;
    std::size_t grant_frames_ = 0;
    UniqueFd grant_fd_;
    MemoryMap grants_;
};

class FakeWorld {
public:
    /// Adds (or replaces) a domain; fails only if the host cannot create the memfds.
    Result<FakeDomain*> add_domain(domid_t id, xen_pfn_t first_gfn, std::size_t nr_pages,
                                   std::size_t grant_frames = 1);
    FakeDomain* find(domid_t id) const;

    /// Events sent by unmap notifications (domain sending, port), in order; `on_event` is also
    /// called if set, e.g. to forward them to a FakeEventHub.
    std::vector<std::pair<domid_t, evtchn_port_t>> events;
    std::function<void(domid_t, evtchn_port_t)> on_event;
    void send_event(domid_t from, evtchn_port_t port) {
        events.emplace_back(from, port);
        if (on_event) on_event(from, port);
    }

    /// Grant pins held by mappers: (granting domain, ref) -> number of live mappings.
    std::map<std::pair<domid_t, grant_ref_t>, int> pins;

private:
    std::map<domid_t, std::unique_ptr<FakeDomain>> domains_;
};

/// Map 4 KiB frames of `fd` at `offsets` contiguously with `prot`; frames whose offset is
/// nullopt stay inaccessible (PROT_NONE), as a failed frame of a real foreign mapping does.
/// Requires a 4 KiB host page size (EINVAL otherwise).
Result<MemoryMap> map_fake_frames(int fd, std::span<const std::optional<off_t>> offsets, int prot);

}  // namespace tessera::xen
