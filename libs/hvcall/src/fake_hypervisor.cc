// FakeHypervisor: scripted hypercalls with the caller-side checks Xen and Linux make.
#include "hvcall/fake_hypervisor.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace tessera::xen {

namespace {

std::vector<std::byte> snapshot(const void* pointer, std::size_t bytes) {
    std::vector<std::byte> copy(bytes);
    std::memcpy(copy.data(), pointer, bytes);
    return copy;
}

}  // namespace

FakeHypervisor::FakeHypervisor()
    : buffers_(std::make_shared<std::map<const std::byte*, std::size_t>>()) {}

FakeHypervisor::~FakeHypervisor() = default;

Result<RawBuffer> FakeHypervisor::allocate_raw(std::size_t bytes) {
    // Whole 4 KiB pages, like privcmd-buf; zeroed like fresh kernel pages.
    const std::size_t size = (bytes + kXenPageSize - 1) / kXenPageSize * kXenPageSize;
    auto* memory = static_cast<std::byte*>(::operator new(size, std::align_val_t{kXenPageSize}));
    std::memset(memory, 0, size);
    (*buffers_)[memory] = size;
    std::weak_ptr<std::map<const std::byte*, std::size_t>> registry = buffers_;
    return RawBuffer(memory, size, [registry](void* address, std::size_t) {
        if (auto live = registry.lock()) live->erase(static_cast<const std::byte*>(address));
        ::operator delete(address, std::align_val_t{kXenPageSize});
    });
}

bool FakeHypervisor::in_buffer(const void* pointer, std::size_t bytes) const {
    const auto* start = static_cast<const std::byte*>(pointer);
    auto it = buffers_->upper_bound(start);
    if (it == buffers_->begin()) return false;
    --it;
    const auto offset = static_cast<std::size_t>(start - it->first);
    return offset <= it->second && bytes <= it->second - offset;
}

std::vector<xen_domctl> FakeHypervisor::domctls() const {
    std::vector<xen_domctl> out;
    for (const auto& call : calls_) {
        if (call.op != __HYPERVISOR_domctl || call.argument.size() != sizeof(xen_domctl)) continue;
        xen_domctl op{};
        std::memcpy(&op, call.argument.data(), sizeof op);
        out.push_back(op);
    }
    return out;
}

HypercallResult FakeHypervisor::hypercall(std::uint64_t op,
                                          const std::array<std::uint64_t, 5>& args) {
    Call call;
    call.op = op;
    call.result = dispatch(op, args, call);
    calls_.push_back(call);
    if (call.result < 0) {
        const int code = static_cast<int>(-call.result);
        return fail(code, "hypercall " + std::to_string(op) + ": " + std::strerror(code));
    }
    return call.result;
}

long FakeHypervisor::dispatch(std::uint64_t op, const std::array<std::uint64_t, 5>& args,
                              Call& call) {
    if (op == __HYPERVISOR_domctl || op == __HYPERVISOR_sysctl) {
        const bool is_domctl = op == __HYPERVISOR_domctl;
        const std::size_t size = is_domctl ? sizeof(xen_domctl) : sizeof(xen_sysctl);
        void* arg = reinterpret_cast<void*>(static_cast<std::uintptr_t>(args[0]));
        if (!in_buffer(arg, size)) return -EFAULT;
        call.argument = snapshot(arg, size);
        if (is_domctl) {
            auto& domctl = *static_cast<xen_domctl*>(arg);
            call.cmd = domctl.cmd;
            if (domctl.interface_version != XEN_DOMCTL_INTERFACE_VERSION) return -EACCES;
            auto it = domctls_.find(domctl.cmd);
            return it == domctls_.end() ? -ENOSYS : it->second(domctl);
        }
        auto& sysctl = *static_cast<xen_sysctl*>(arg);
        call.cmd = sysctl.cmd;
        if (sysctl.interface_version != XEN_SYSCTL_INTERFACE_VERSION) return -EACCES;
        auto it = sysctls_.find(sysctl.cmd);
        return it == sysctls_.end() ? -ENOSYS : it->second(sysctl);
    }
    if (op == kMemoryOp || op == kHvmOp || op == kEventChannelOp) {
        call.cmd = args[0];
        auto it = structs_.find({op, args[0]});
        if (it == structs_.end()) return -ENOSYS;
        void* arg = reinterpret_cast<void*>(static_cast<std::uintptr_t>(args[1]));
        // The handler is told the struct's address; at least its first byte must be in a buffer.
        if (!in_buffer(arg, 1)) return -EFAULT;
        const auto* start = static_cast<const std::byte*>(arg);
        auto owner = --buffers_->upper_bound(start);
        call.argument = snapshot(arg, owner->second - static_cast<std::size_t>(start - owner->first));
        return it->second(arg);
    }
    auto it = raws_.find(op);
    return it == raws_.end() ? -ENOSYS : it->second(args);
}

}  // namespace tessera::xen
