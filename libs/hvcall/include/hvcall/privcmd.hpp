// The real Hypervisor: IOCTL_PRIVCMD_HYPERCALL on /dev/xen/privcmd, with argument buffers mmapped
// from /dev/xen/hypercall (Linux privcmd-buf; XEN-ABI.md §3.1).
#pragma once

#include <string>

#include "hvcall/hypervisor.hpp"

namespace tessera::xen {

inline constexpr const char* kPrivcmdDevice = "/dev/xen/privcmd";
inline constexpr const char* kHypercallBufferDevice = "/dev/xen/hypercall";

class Privcmd final : public Hypervisor {
public:
    /// Open both devices; a missing one fails with ENOENT and its path in the message.
    static Result<Privcmd> open(const std::string& privcmd_path = kPrivcmdDevice,
                                const std::string& buffer_path = kHypercallBufferDevice);

    Result<RawBuffer> allocate_raw(std::size_t bytes) override;
    HypercallResult hypercall(std::uint64_t op, const std::array<std::uint64_t, 5>& args) override;

    /// The privcmd descriptor (foreign mappings are made through their own descriptor).
    int fd() const { return privcmd_.get(); }

private:
    Privcmd(UniqueFd privcmd, UniqueFd buffers)
        : privcmd_(std::move(privcmd)), buffers_(std::move(buffers)) {}

    UniqueFd privcmd_;
    UniqueFd buffers_;
};

}  // namespace tessera::xen
