// Access to the hypervisor from dom0: the privcmd device of Linux's Xen drivers.
#pragma once

#include <string>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// Where Linux exposes hypercalls to dom0 user space.
inline constexpr const char* kPrivcmdPath = "/dev/xen/privcmd";

/// An open file descriptor, closed on destruction.
class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();

    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

/// Opens the privcmd device; the error reads "cannot open /dev/xen/privcmd: <reason>".
Result<UniqueFd> open_privcmd(const std::string& path = kPrivcmdPath);

}  // namespace tessera::toolstack
