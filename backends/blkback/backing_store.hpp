// The storage behind a virtual disk: a raw image file or a block device, opened O_DIRECT where
// the file system or device allows it (with a buffered descriptor kept for requests O_DIRECT
// refuses). Thread-safe: the I/O workers call it concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "hvcall/error.hpp"

namespace tessera::blkback {

class BackingStore {
public:
    /// Open `path` read-write or read-only; `try_direct`: O_DIRECT when possible.
    static xen::Result<std::shared_ptr<BackingStore>> open(const std::string& path, bool writable,
                                                           bool try_direct = true);

    const std::string& path() const { return path_; }
    /// Size in 512-byte sectors (a file's partial last sector is not exposed).
    std::uint64_t sectors() const { return sectors_; }
    std::uint32_t physical_sector_size() const { return physical_sector_size_; }
    /// The unit in which discard frees space (file system block or device sector).
    std::uint32_t discard_granularity() const { return discard_granularity_; }
    bool block_device() const { return block_device_; }
    bool writable() const { return writable_; }
    /// Whether requests still go through the O_DIRECT descriptor.
    bool direct() const { return direct_.load(std::memory_order_relaxed); }

    xen::Result<void> read(std::uint64_t offset, std::span<std::byte> out);
    xen::Result<void> write(std::uint64_t offset, std::span<const std::byte> in);
    /// fdatasync: what was written is on stable storage.
    xen::Result<void> flush();
    /// Free the range: a hole in a file (its size kept), BLKDISCARD on a device. EOPNOTSUPP
    /// when the file system or device cannot.
    xen::Result<void> discard(std::uint64_t offset, std::uint64_t length);

private:
    BackingStore() = default;
    int fd_for_io() const;
    bool fall_back(int error);

    std::string path_;
    xen::UniqueFd buffered_;
    xen::UniqueFd direct_fd_;
    std::atomic<bool> direct_{false};
    std::uint64_t sectors_ = 0;
    std::uint32_t physical_sector_size_ = 512;
    std::uint32_t discard_granularity_ = 512;
    bool block_device_ = false;
    bool writable_ = false;
};

}  // namespace tessera::blkback
