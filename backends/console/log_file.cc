#include "log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tessera::consoled {

xen::Result<LogFile> LogFile::open(std::string path, std::uint64_t max_bytes) {
    LogFile log;
    log.path_ = std::move(path);
    log.max_bytes_ = max_bytes;
    if (auto r = log.open_file(false); !r) return std::unexpected(r.error());
    return log;
}

xen::Result<void> LogFile::open_file(bool truncate) {
    // O_NOFOLLOW: a symlink planted in the log directory does not redirect our writes.
    const int flags =
        O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0);
    const int fd = ::open(path_.c_str(), flags, 0640);
    if (fd < 0) return xen::fail_errno("cannot open " + path_);
    fd_ = xen::UniqueFd(fd);
    struct stat st {};
    size_ = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    return {};
}

xen::Result<void> LogFile::reopen() {
    fd_ = xen::UniqueFd();
    return open_file(false);
}

void LogFile::rotate() {
    const std::string old = path_ + ".old";
    if (std::rename(path_.c_str(), old.c_str()) != 0) {
        last_error_ = "cannot rename " + path_ + ": " + std::strerror(errno);
    }
    fd_ = xen::UniqueFd();
    // Whether or not the rename worked, the file we write to starts empty: the limit holds.
    if (auto r = open_file(true); !r) last_error_ = r.error().message;
    ++rotations_;
}

void LogFile::write(std::span<const char> bytes) {
    if (bytes.empty()) return;
    if (max_bytes_ != 0) {
        if (size_ + bytes.size() > max_bytes_ && size_ > 0) rotate();
        if (bytes.size() > max_bytes_) {  // more than a whole file: keep the newest bytes
            dropped_ += bytes.size() - max_bytes_;
            bytes = bytes.last(max_bytes_);
        }
    }
    while (!bytes.empty()) {
        if (!fd_.valid()) {
            dropped_ += bytes.size();
            return;
        }
        const auto n = ::write(fd_.get(), bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            last_error_ = "writing " + path_ + ": " + std::strerror(n < 0 ? errno : EIO);
            dropped_ += bytes.size();
            return;
        }
        size_ += static_cast<std::uint64_t>(n);
        written_ += static_cast<std::uint64_t>(n);
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    last_error_.clear();
}

}  // namespace tessera::consoled
