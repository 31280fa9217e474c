// Privcmd: hypercalls through Linux's privcmd driver.
#include "hvcall/privcmd.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <xen/sys/privcmd.h>

namespace tessera::xen {

Result<Privcmd> Privcmd::open(const std::string& privcmd_path, const std::string& buffer_path) {
    auto privcmd = open_device(privcmd_path);
    if (!privcmd) return std::unexpected(privcmd.error());
    auto buffers = open_device(buffer_path);
    if (!buffers) return std::unexpected(buffers.error());
    return Privcmd(std::move(*privcmd), std::move(*buffers));
}

Result<RawBuffer> Privcmd::allocate_raw(std::size_t bytes) {
    // privcmd-buf hands out whole pages of locked kernel memory, one mapping per mmap() call.
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t size = (bytes + page - 1) / page * page;
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, buffers_.get(), 0);
    if (address == MAP_FAILED) return fail_errno("mmap " + std::string(kHypercallBufferDevice));
    return RawBuffer(address, size, [](void* a, std::size_t s) { ::munmap(a, s); });
}

HypercallResult Privcmd::hypercall(std::uint64_t op, const std::array<std::uint64_t, 5>& args) {
    privcmd_hypercall_t call{};
    call.op = op;
    for (std::size_t i = 0; i < args.size(); ++i) call.arg[i] = args[i];
    // The driver returns Xen's result; a negative one comes back as -1 with errno set.
    const long result = ::ioctl(privcmd_.get(), IOCTL_PRIVCMD_HYPERCALL, &call);
    if (result < 0) return fail_errno("hypercall " + std::to_string(op));
    return result;
}

}  // namespace tessera::xen
