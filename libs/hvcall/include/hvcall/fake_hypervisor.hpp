// FakeHypervisor: an in-memory Hypervisor for host tests. It records every hypercall, lets tests
// script results per operation, and enforces what real Xen and Linux enforce on the caller:
//  - pointer arguments must lie inside memory from allocate() (on Linux, hypercall buffers must
//    come from /dev/xen/hypercall; XEN-ABI.md §3.1): otherwise -EFAULT;
//  - domctl/sysctl with the wrong interface_version fail with -EACCES (Xen's do_domctl and
//    do_sysctl, xen/common/domctl.c and sysctl.c);
//  - an operation nobody scripted fails with -ENOSYS (Xen's answer to an unknown op).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "hvcall/hypervisor.hpp"

namespace tessera::xen {

class FakeHypervisor final : public Hypervisor {
public:
    /// A handler returns Xen's result: >= 0, or a negative errno value.
    using DomctlHandler = std::function<long(xen_domctl&)>;
    using SysctlHandler = std::function<long(xen_sysctl&)>;
    /// For memory_op, hvm_op and event_channel_op: the argument struct, inside a buffer.
    using StructHandler = std::function<long(void* arg)>;
    using RawHandler = std::function<long(const std::array<std::uint64_t, 5>&)>;

    /// One recorded hypercall: the op, its sub-command (domctl/sysctl cmd, or args[0] for the
    /// cmd-taking ops), and a copy of the argument struct as Xen saw it on entry.
    struct Call {
        std::uint64_t op = 0;
        std::uint64_t cmd = 0;
        std::vector<std::byte> argument;
        long result = 0;
    };

    FakeHypervisor();
    ~FakeHypervisor() override;
    FakeHypervisor(const FakeHypervisor&) = delete;
    FakeHypervisor& operator=(const FakeHypervisor&) = delete;

    Result<RawBuffer> allocate_raw(std::size_t bytes) override;
    HypercallResult hypercall(std::uint64_t op, const std::array<std::uint64_t, 5>& args) override;

    void on_domctl(std::uint32_t cmd, DomctlHandler handler) { domctls_[cmd] = std::move(handler); }
    void on_sysctl(std::uint32_t cmd, SysctlHandler handler) { sysctls_[cmd] = std::move(handler); }
    void on_memory_op(unsigned cmd, StructHandler h) { structs_[{kMemoryOp, cmd}] = std::move(h); }
    void on_hvm_op(unsigned cmd, StructHandler h) { structs_[{kHvmOp, cmd}] = std::move(h); }
    void on_event_channel_op(unsigned cmd, StructHandler h) {
        structs_[{kEventChannelOp, cmd}] = std::move(h);
    }
    /// Any other hypercall number.
    void on_hypercall(std::uint64_t op, RawHandler handler) { raws_[op] = std::move(handler); }

    const std::vector<Call>& calls() const { return calls_; }
    /// The domctls issued, in order, as Xen received them.
    std::vector<xen_domctl> domctls() const;

    /// True if [pointer, pointer + bytes) lies within one live buffer: what a handler checks for
    /// the guest handles nested in an argument (vcpucontext.ctxt, extent_start...).
    bool in_buffer(const void* pointer, std::size_t bytes) const;
    std::size_t live_buffers() const { return buffers_->size(); }

private:
    static constexpr std::uint64_t kMemoryOp = __HYPERVISOR_memory_op;
    static constexpr std::uint64_t kHvmOp = __HYPERVISOR_hvm_op;
    static constexpr std::uint64_t kEventChannelOp = __HYPERVISOR_event_channel_op;

    long dispatch(std::uint64_t op, const std::array<std::uint64_t, 5>& args, Call& call);

    // Live buffers by address, shared with their release functions so a buffer may outlive us.
    std::shared_ptr<std::map<const std::byte*, std::size_t>> buffers_;
    std::map<std::uint32_t, DomctlHandler> domctls_;
    std::map<std::uint32_t, SysctlHandler> sysctls_;
    std::map<std::pair<std::uint64_t, std::uint64_t>, StructHandler> structs_;
    std::map<std::uint64_t, RawHandler> raws_;
    std::vector<Call> calls_;
};

}  // namespace tessera::xen
