// Error helpers and the file-descriptor and mmap owners shared by the dom0 libraries.
#include "hvcall/error.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tessera::xen {

std::unexpected<Error> fail_errno(std::string_view what) {
    const int code = errno;
    return fail(code, std::string(what) + ": " + std::strerror(code));
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

UniqueFd::~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> open_device(const std::string& path, int extra_flags) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | extra_flags);
    if (fd < 0) return fail_errno("cannot open " + path);
    return UniqueFd(fd);
}

MemoryMap::MemoryMap(MemoryMap&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MemoryMap& MemoryMap::operator=(MemoryMap&& other) noexcept {
    if (this != &other) {
        reset();
        address_ = std::exchange(other.address_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

void MemoryMap::reset() {
    if (address_ != nullptr) ::munmap(address_, size_);
    address_ = nullptr;
    size_ = 0;
}

Result<MemoryMap> map_shared(int fd, std::size_t size, int prot, off_t offset,
                             std::string_view what) {
    void* address = ::mmap(nullptr, size, prot, MAP_SHARED, fd, offset);
    if (address == MAP_FAILED) return fail_errno(std::string("mmap ") + std::string(what));
    return MemoryMap(address, size);
}

}  // namespace tessera::xen
