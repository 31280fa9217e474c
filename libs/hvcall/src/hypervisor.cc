// The struct-copying helpers of Hypervisor.
#include "hvcall/hypervisor.hpp"

namespace tessera::xen {

Result<void> Hypervisor::domctl(xen_domctl& op) {
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    auto buffer = allocate<xen_domctl>();
    if (!buffer) return std::unexpected(buffer.error());
    std::memcpy(buffer->get(), &op, sizeof op);
    auto result = hypercall(__HYPERVISOR_domctl, {buffer->address(), 0, 0, 0, 0});
    std::memcpy(&op, buffer->get(), sizeof op);
    if (!result) return std::unexpected(result.error());
    return {};
}

Result<void> Hypervisor::sysctl(xen_sysctl& op) {
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    auto buffer = allocate<xen_sysctl>();
    if (!buffer) return std::unexpected(buffer.error());
    std::memcpy(buffer->get(), &op, sizeof op);
    auto result = hypercall(__HYPERVISOR_sysctl, {buffer->address(), 0, 0, 0, 0});
    std::memcpy(&op, buffer->get(), sizeof op);
    if (!result) return std::unexpected(result.error());
    return {};
}

}  // namespace tessera::xen
