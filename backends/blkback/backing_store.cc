// Raw files and block devices with pread/pwrite, fdatasync, fallocate and BLKDISCARD.
#include "backing_store.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "protocol.hpp"

namespace tessera::blkback {

xen::Result<std::shared_ptr<BackingStore>> BackingStore::open(const std::string& path,
                                                              bool writable, bool try_direct) {
    const int mode = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
    xen::UniqueFd fd(::open(path.c_str(), mode));
    if (!fd.valid()) return xen::fail_errno("cannot open " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return xen::fail_errno("cannot stat " + path);
    std::shared_ptr<BackingStore> store(new BackingStore);
    store->path_ = path;
    store->writable_ = writable;
    if (S_ISBLK(st.st_mode)) {
        std::uint64_t bytes = 0;
        if (::ioctl(fd.get(), BLKGETSIZE64, &bytes) != 0) {
            return xen::fail_errno("BLKGETSIZE64 on " + path);
        }
        unsigned int physical = 512;
        if (::ioctl(fd.get(), BLKPBSZGET, &physical) != 0 || physical < 512) physical = 512;
        int logical = 512;
        if (::ioctl(fd.get(), BLKSSZGET, &logical) != 0) logical = 512;
        store->block_device_ = true;
        store->sectors_ = bytes / kSectorSize;
        store->physical_sector_size_ = physical;
        store->discard_granularity_ = physical;
        // A device with larger logical sectors cannot take 512-byte aligned O_DIRECT I/O.
        if (logical > static_cast<int>(kSectorSize)) try_direct = false;
    } else if (S_ISREG(st.st_mode)) {
        store->sectors_ = static_cast<std::uint64_t>(st.st_size) / kSectorSize;
        const auto block = static_cast<std::uint32_t>(st.st_blksize);
        store->discard_granularity_ =
            block >= kSectorSize && (block & (block - 1)) == 0 ? block : kSectorSize;
    } else {
        return xen::fail(EINVAL, path + " is neither a regular file nor a block device");
    }
    if (try_direct) {
        xen::UniqueFd direct(::open(path.c_str(), mode | O_DIRECT));
        if (direct.valid()) {
            store->direct_fd_ = std::move(direct);
            store->direct_.store(true);
        }
    }
    store->buffered_ = std::move(fd);
    return store;
}

int BackingStore::fd_for_io() const { return direct() ? direct_fd_.get() : buffered_.get(); }

bool BackingStore::fall_back(int error) {
    // O_DIRECT refused this transfer (alignment the file system wants bigger than ours):
    // buffered I/O from now on.
    if (error != EINVAL || !direct()) return false;
    direct_.store(false);
    return true;
}

xen::Result<void> BackingStore::read(std::uint64_t offset, std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd_for_io(), out.data() + done, out.size() - done,
                                  static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && fall_back(errno)) continue;
        if (n < 0) return xen::fail_errno("read from " + path_);
        if (n == 0) return xen::fail(EIO, "read from " + path_ + ": unexpected end of file");
        done += static_cast<std::size_t>(n);
    }
    return {};
}

xen::Result<void> BackingStore::write(std::uint64_t offset, std::span<const std::byte> in) {
    if (!writable_) return xen::fail(EROFS, path_ + " is read-only");
    std::size_t done = 0;
    while (done < in.size()) {
        const ssize_t n = ::pwrite(fd_for_io(), in.data() + done, in.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && fall_back(errno)) continue;
        if (n < 0) return xen::fail_errno("write to " + path_);
        if (n == 0) return xen::fail(EIO, "write to " + path_ + ": no progress");
        done += static_cast<std::size_t>(n);
    }
    return {};
}

xen::Result<void> BackingStore::flush() {
    if (::fdatasync(buffered_.get()) != 0) return xen::fail_errno("fdatasync of " + path_);
    return {};
}

xen::Result<void> BackingStore::discard(std::uint64_t offset, std::uint64_t length) {
    if (!writable_) return xen::fail(EROFS, path_ + " is read-only");
    if (length == 0) return {};
    if (block_device_) {
        std::uint64_t range[2] = {offset, length};
        if (::ioctl(buffered_.get(), BLKDISCARD, range) != 0) {
            const int e = errno;
            return xen::fail(e == ENOTTY ? EOPNOTSUPP : e, "BLKDISCARD on " + path_);
        }
        return {};
    }
    if (::fallocate(buffered_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(offset), static_cast<off_t>(length)) != 0) {
        return xen::fail_errno("punching a hole in " + path_);
    }
    return {};
}

}  // namespace tessera::blkback
