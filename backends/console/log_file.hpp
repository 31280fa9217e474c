// A guest's console log (/var/log/xen/console/guest-<name>.log): append-only, and bounded: past
// `max_bytes` the file is renamed to PATH.old (replacing the previous one) and started afresh, so
// a guest printing without end uses at most twice the limit of dom0's disk. A failing write
// (disk full) drops the bytes rather than stalling the guest.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hvcall/error.hpp"

namespace tessera::consoled {

class LogFile {
public:
    LogFile() = default;
    /// Open (create, append to) `path`; max_bytes 0 means no limit.
    static xen::Result<LogFile> open(std::string path, std::uint64_t max_bytes);

    /// Append as much as the limit allows (rotating first when full); never blocks on a
    /// full disk: the bytes are counted as dropped and the error kept in last_error().
    void write(std::span<const char> bytes);
    /// Reopen the same path (after an outside rotation, on SIGHUP).
    xen::Result<void> reopen();

    bool is_open() const { return fd_.valid(); }
    const std::string& path() const { return path_; }
    /// Bytes in the current file.
    std::uint64_t size() const { return size_; }
    std::uint64_t written() const { return written_; }
    std::uint64_t dropped() const { return dropped_; }
    std::uint64_t rotations() const { return rotations_; }
    /// The last write or rotation failure ("" if none since the last success).
    const std::string& last_error() const { return last_error_; }

private:
    xen::Result<void> open_file(bool truncate);
    void rotate();

    std::string path_;
    std::uint64_t max_bytes_ = 0;
    xen::UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t rotations_ = 0;
    std::string last_error_;
};

}  // namespace tessera::consoled
