// Results of the dom0 libraries: std::expected carrying an errno value and a message. These
// libraries never throw; every failure of a device or a hypercall comes back as an Error.
#pragma once

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace tessera::xen {

/// A failed operation: an errno value (as the driver or Xen reported it) and a readable message.
struct Error {
    int code = 0;
    std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

/// A failure with an explicit errno value.
inline std::unexpected<Error> fail(int code, std::string message) {
    return std::unexpected(Error{code, std::move(message)});
}

/// A failure from the current errno: "<what>: <strerror(errno)>".
std::unexpected<Error> fail_errno(std::string_view what);

/// An owned file descriptor, closed on destruction.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_ = -1;
};

/// Open a device node read-write, close-on-exec (plus extra flags). A missing device fails with
/// ENOENT and a message naming it: "cannot open /dev/xen/evtchn: No such file or directory".
Result<UniqueFd> open_device(const std::string& path, int extra_flags = 0);

/// An owned mmap() region, unmapped on destruction.
class MemoryMap {
public:
    MemoryMap() = default;
    MemoryMap(void* address, std::size_t size) : address_(address), size_(size) {}
    MemoryMap(MemoryMap&& other) noexcept;
    MemoryMap& operator=(MemoryMap&& other) noexcept;
    MemoryMap(const MemoryMap&) = delete;
    MemoryMap& operator=(const MemoryMap&) = delete;
    ~MemoryMap() { reset(); }

    void* data() const { return address_; }
    std::size_t size() const { return size_; }
    std::span<std::byte> bytes() const { return {static_cast<std::byte*>(address_), size_}; }
    bool valid() const { return address_ != nullptr; }
    /// munmap now (no-op when empty).
    void reset();

private:
    void* address_ = nullptr;
    std::size_t size_ = 0;
};

/// Map `size` bytes of `fd` at `offset` shared; failures name `what`.
Result<MemoryMap> map_shared(int fd, std::size_t size, int prot, off_t offset,
                             std::string_view what);

}  // namespace tessera::xen
