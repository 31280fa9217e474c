// DeviceGrantMapper (/dev/xen/gntdev) and DeviceGrantAllocator (/dev/xen/gntalloc).
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "gnttab/grants.hpp"

namespace tessera::xen {

namespace {

// The map and alloc ioctl structs end in a one-element array that really holds `count` entries:
// build them in 8-byte-aligned storage large enough for all of them.
template <class Struct, class Entry>
std::vector<std::uint64_t> variable_struct(std::size_t count) {
    const std::size_t bytes = sizeof(Struct) + (count > 0 ? count - 1 : 0) * sizeof(Entry);
    return std::vector<std::uint64_t>((bytes + 7) / 8, 0);
}

std::uint32_t notify_action(const UnmapNotify& notify) {
    return (notify.clear_byte ? UNMAP_NOTIFY_CLEAR_BYTE : 0u) |
           (notify.port ? UNMAP_NOTIFY_SEND_EVENT : 0u);
}

}  // namespace

GrantCopySegment copy_from_grant(domid_t domid, grant_ref_t ref, std::uint16_t offset,
                                 void* destination, std::uint16_t len) {
    GrantCopySegment segment{};
    segment.source.foreign.ref = ref;
    segment.source.foreign.offset = offset;
    segment.source.foreign.domid = domid;
    segment.dest.virt = destination;
    segment.len = len;
    segment.flags = GNTCOPY_source_gref;
    return segment;
}

GrantCopySegment copy_to_grant(const void* source, domid_t domid, grant_ref_t ref,
                               std::uint16_t offset, std::uint16_t len) {
    GrantCopySegment segment{};
    segment.source.virt = const_cast<void*>(source);  // the driver only reads it
    segment.dest.foreign.ref = ref;
    segment.dest.foreign.offset = offset;
    segment.dest.foreign.domid = domid;
    segment.len = len;
    segment.flags = GNTCOPY_dest_gref;
    return segment;
}

Result<DeviceGrantMapper> DeviceGrantMapper::open(const std::string& path) {
    auto fd = open_device(path);
    if (!fd) return std::unexpected(fd.error());
    return DeviceGrantMapper(std::move(*fd));
}

Result<GrantPages> DeviceGrantMapper::map(domid_t domid, std::span<const grant_ref_t> refs,
                                          bool writable) {
    if (refs.empty()) return fail(EINVAL, "gntdev map: no refs");
    auto storage = variable_struct<ioctl_gntdev_map_grant_ref, ioctl_gntdev_grant_ref>(refs.size());
    auto* request = reinterpret_cast<ioctl_gntdev_map_grant_ref*>(storage.data());
    request->count = static_cast<std::uint32_t>(refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
        request->refs[i].domid = domid;
        request->refs[i].ref = refs[i];
    }
    if (::ioctl(fd_->get(), IOCTL_GNTDEV_MAP_GRANT_REF, request) < 0) {
        return fail_errno("IOCTL_GNTDEV_MAP_GRANT_REF of d" + std::to_string(domid));
    }
    const std::uint64_t index = request->index;
    const auto count = static_cast<std::uint32_t>(refs.size());
    auto release = [fd = fd_, index, count](const UnmapNotify&) {
        ioctl_gntdev_unmap_grant_ref unmap{};
        unmap.index = index;
        unmap.count = count;
        ::ioctl(fd->get(), IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap);
    };
    // The grant hypercall happens here; a VMA without PROT_WRITE maps read-only.
    const int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    auto region = map_shared(fd_->get(), refs.size() * kXenPageSize, prot,
                             static_cast<off_t>(index), "gntdev");
    if (!region) {
        release({});
        return std::unexpected(region.error());
    }
    return GrantPages(std::move(*region), index, {}, std::move(release));
}

Result<void> DeviceGrantMapper::set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) {
    ioctl_gntdev_unmap_notify request{};
    request.index = pages.index() + notify.offset;
    request.action = notify_action(notify);
    request.event_channel_port = notify.port.value_or(0);
    if (::ioctl(fd_->get(), IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &request) < 0) {
        return fail_errno("IOCTL_GNTDEV_SET_UNMAP_NOTIFY");
    }
    pages.set_notify_record(notify);
    return {};
}

Result<void> DeviceGrantMapper::copy(std::span<GrantCopySegment> segments) {
    ioctl_gntdev_grant_copy request{};
    request.count = static_cast<unsigned>(segments.size());
    request.segments = segments.data();
    if (::ioctl(fd_->get(), IOCTL_GNTDEV_GRANT_COPY, &request) < 0) {
        return fail_errno("IOCTL_GNTDEV_GRANT_COPY");
    }
    return {};
}

Result<DeviceGrantAllocator> DeviceGrantAllocator::open(const std::string& path) {
    auto fd = open_device(path);
    if (!fd) return std::unexpected(fd.error());
    return DeviceGrantAllocator(std::move(*fd));
}

Result<GrantPages> DeviceGrantAllocator::allocate(domid_t remote, std::size_t count,
                                                  bool writable) {
    if (count == 0) return fail(EINVAL, "gntalloc: no pages");
    auto storage = variable_struct<ioctl_gntalloc_alloc_gref, std::uint32_t>(count);
    auto* request = reinterpret_cast<ioctl_gntalloc_alloc_gref*>(storage.data());
    request->domid = remote;
    request->flags = writable ? GNTALLOC_FLAG_WRITABLE : 0;
    request->count = static_cast<std::uint32_t>(count);
    if (::ioctl(fd_->get(), IOCTL_GNTALLOC_ALLOC_GREF, request) < 0) {
        return fail_errno("IOCTL_GNTALLOC_ALLOC_GREF for d" + std::to_string(remote));
    }
    const std::uint64_t index = request->index;
    std::vector<grant_ref_t> refs(request->gref_ids, request->gref_ids + count);
    auto release = [fd = fd_, index, count](const UnmapNotify&) {
        ioctl_gntalloc_dealloc_gref dealloc{};
        dealloc.index = index;
        dealloc.count = static_cast<std::uint32_t>(count);
        ::ioctl(fd->get(), IOCTL_GNTALLOC_DEALLOC_GREF, &dealloc);
    };
    auto region = map_shared(fd_->get(), count * kXenPageSize, PROT_READ | PROT_WRITE,
                             static_cast<off_t>(index), "gntalloc");
    if (!region) {
        release({});
        return std::unexpected(region.error());
    }
    return GrantPages(std::move(*region), index, std::move(refs), std::move(release));
}

Result<void> DeviceGrantAllocator::set_unmap_notify(GrantPages& pages,
                                                    const UnmapNotify& notify) {
    ioctl_gntalloc_unmap_notify request{};
    request.index = pages.index() + notify.offset;
    request.action = notify_action(notify);
    request.event_channel_port = notify.port.value_or(0);
    if (::ioctl(fd_->get(), IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &request) < 0) {
        return fail_errno("IOCTL_GNTALLOC_SET_UNMAP_NOTIFY");
    }
    pages.set_notify_record(notify);
    return {};
}

}  // namespace tessera::xen
