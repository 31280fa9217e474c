// Grants from dom0 user space: GrantMapper maps other domains' grants (/dev/xen/gntdev,
// XEN-ABI.md §3.3) and GrantAllocator grants dom0 pages to others (/dev/xen/gntalloc, §3.4).
// Both hand out GrantPages: RAII pages unmapped (and the grants released) on destruction.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

#include <xen/sys/gntalloc.h>
#include <xen/sys/gntdev.h>

namespace tessera::xen {

/// What to do when pages are unmapped: clear one byte and/or send an event (ring teardown).
struct UnmapNotify {
    std::size_t offset = 0;
    bool clear_byte = false;
    std::optional<evtchn_port_t> port;
};

/// Mapped grant pages, or allocated-and-granted pages (then refs() lists the grant refs).
class GrantPages {
public:
    GrantPages() = default;
    GrantPages(MemoryMap map, std::uint64_t index, std::vector<grant_ref_t> refs,
               std::function<void(const UnmapNotify&)> release)
        : map_(std::move(map)), index_(index), refs_(std::move(refs)),
          release_(std::move(release)) {}
    GrantPages(GrantPages&& other) noexcept
        : map_(std::move(other.map_)), index_(other.index_), refs_(std::move(other.refs_)),
          notify_(other.notify_), release_(std::exchange(other.release_, nullptr)) {}
    GrantPages(const GrantPages&) = delete;
    GrantPages& operator=(const GrantPages&) = delete;
    GrantPages& operator=(GrantPages&& other) noexcept {
        if (this != &other) {
            reset();
            map_ = std::move(other.map_);
            index_ = other.index_;
            refs_ = std::move(other.refs_);
            notify_ = other.notify_;
            release_ = std::exchange(other.release_, nullptr);
        }
        return *this;
    }
    ~GrantPages() { reset(); }

    std::byte* data() const { return static_cast<std::byte*>(map_.data()); }
    std::span<std::byte> bytes() const { return map_.bytes(); }
    std::size_t pages() const { return map_.size() / kXenPageSize; }
    /// The grant references (GrantAllocator only).
    std::span<const grant_ref_t> refs() const { return refs_; }
    /// The driver's offset for these pages (the mmap offset on gntdev/gntalloc).
    std::uint64_t index() const { return index_; }
    const UnmapNotify& unmap_notify() const { return notify_; }
    void set_notify_record(const UnmapNotify& notify) { notify_ = notify; }

    /// Unmap now and release the grants.
    void reset() {
        map_.reset();
        if (release_) std::exchange(release_, nullptr)(notify_);
    }

private:
    MemoryMap map_;
    std::uint64_t index_ = 0;
    std::vector<grant_ref_t> refs_;
    UnmapNotify notify_;
    std::function<void(const UnmapNotify&)> release_;
};

using GrantCopySegment = ioctl_gntdev_grant_copy_segment;

/// A segment copying `len` bytes from `ref` of `domid` at `offset` to local memory.
GrantCopySegment copy_from_grant(domid_t domid, grant_ref_t ref, std::uint16_t offset,
                                 void* destination, std::uint16_t len);
/// A segment copying `len` bytes of local memory to `ref` of `domid` at `offset`.
GrantCopySegment copy_to_grant(const void* source, domid_t domid, grant_ref_t ref,
                               std::uint16_t offset, std::uint16_t len);

class GrantMapper {
public:
    virtual ~GrantMapper() = default;
    /// Map `refs` granted by `domid` contiguously, read-write or read-only. Any ref failing
    /// fails the whole map (the driver's mmap gives EINVAL).
    virtual Result<GrantPages> map(domid_t domid, std::span<const grant_ref_t> refs,
                                   bool writable) = 0;
    /// Arm a notification for when `pages` are unmapped (offset: a byte within them).
    virtual Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) = 0;
    /// GNTTABOP_copy through the driver; each segment's status gets its GNTST_* result. Local to
    /// local segments, or a grant side crossing its 4 KiB page, fail the whole call (EINVAL).
    virtual Result<void> copy(std::span<GrantCopySegment> segments) = 0;
};

class GrantAllocator {
public:
    virtual ~GrantAllocator() = default;
    /// `count` zeroed local pages granted to `remote`, mapped here read-write.
    virtual Result<GrantPages> allocate(domid_t remote, std::size_t count, bool writable) = 0;
    virtual Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) = 0;
};

inline constexpr const char* kGntdevDevice = "/dev/xen/gntdev";
inline constexpr const char* kGntallocDevice = "/dev/xen/gntalloc";

class DeviceGrantMapper final : public GrantMapper {
public:
    static Result<DeviceGrantMapper> open(const std::string& path = kGntdevDevice);
    Result<GrantPages> map(domid_t domid, std::span<const grant_ref_t> refs,
                           bool writable) override;
    Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) override;
    Result<void> copy(std::span<GrantCopySegment> segments) override;

private:
    explicit DeviceGrantMapper(UniqueFd fd) : fd_(std::make_shared<UniqueFd>(std::move(fd))) {}
    std::shared_ptr<UniqueFd> fd_;  // shared with live mappings, which unmap through it
};

class DeviceGrantAllocator final : public GrantAllocator {
public:
    static Result<DeviceGrantAllocator> open(const std::string& path = kGntallocDevice);
    Result<GrantPages> allocate(domid_t remote, std::size_t count, bool writable) override;
    Result<void> set_unmap_notify(GrantPages& pages, const UnmapNotify& notify) override;

private:
    explicit DeviceGrantAllocator(UniqueFd fd)
        : fd_(std::make_shared<UniqueFd>(std::move(fd))) {}
    std::shared_ptr<UniqueFd> fd_;
};

}  // namespace tessera::xen
