// Hypercalls from dom0 user space: an abstract Hypervisor (the real one is Privcmd, tests use
// FakeHypervisor) and HypercallBuffer<T>, the RAII memory that hypercall arguments must live in.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

namespace tessera::xen {

/// Raw memory Xen may read and write during a hypercall, returned to its owner on destruction.
class RawBuffer {
public:
    using Release = std::function<void(void* address, std::size_t size)>;

    RawBuffer() = default;
    RawBuffer(void* address, std::size_t size, Release release)
        : address_(address), size_(size), release_(std::move(release)) {}
    RawBuffer(RawBuffer&& other) noexcept
        : address_(std::exchange(other.address_, nullptr)),
          size_(std::exchange(other.size_, 0)),
          release_(std::move(other.release_)) {}
    RawBuffer& operator=(RawBuffer&& other) noexcept {
        if (this != &other) {
            reset();
            address_ = std::exchange(other.address_, nullptr);
            size_ = std::exchange(other.size_, 0);
            release_ = std::move(other.release_);
        }
        return *this;
    }
    RawBuffer(const RawBuffer&) = delete;
    RawBuffer& operator=(const RawBuffer&) = delete;
    ~RawBuffer() { reset(); }

    void* data() const { return address_; }
    std::size_t size() const { return size_; }
    void reset() {
        if (address_ != nullptr && release_) release_(address_, size_);
        address_ = nullptr;
        size_ = 0;
    }

private:
    void* address_ = nullptr;
    std::size_t size_ = 0;
    Release release_;
};

/// `count` value-initialised objects of a trivially copyable T in hypercall-safe memory.
template <class T>
class HypercallBuffer {
    static_assert(std::is_trivially_copyable_v<T>, "hypercall arguments are plain data");

public:
    HypercallBuffer(RawBuffer raw, std::size_t count) : raw_(std::move(raw)), count_(count) {
        std::uninitialized_value_construct_n(static_cast<T*>(raw_.data()), count_);
    }

    T* get() const { return static_cast<T*>(raw_.data()); }
    T& operator*() const { return *get(); }
    T* operator->() const { return get(); }
    std::span<T> span() const { return {get(), count_}; }
    std::size_t count() const { return count_; }
    /// The argument value a hypercall takes for this buffer: its user virtual address.
    std::uint64_t address() const { return reinterpret_cast<std::uintptr_t>(get()); }

private:
    RawBuffer raw_;
    std::size_t count_;
};

/// What Xen returns for one hypercall (>= 0; failures are Errors carrying Xen's errno).
using HypercallResult = Result<long>;

/// Issues hypercalls. Argument buffers must come from allocate(): on Linux only memory from
/// /dev/xen/hypercall is safe to hand to Xen (XEN-ABI.md §3.1).
class Hypervisor {
public:
    virtual ~Hypervisor() = default;

    /// At least `bytes` of hypercall-safe zeroed memory.
    virtual Result<RawBuffer> allocate_raw(std::size_t bytes) = 0;
    /// A hypercall with up to five arguments (pointers must point into allocated buffers).
    virtual HypercallResult hypercall(std::uint64_t op,
                                      const std::array<std::uint64_t, 5>& args) = 0;

    template <class T>
    Result<HypercallBuffer<T>> allocate(std::size_t count = 1) {
        auto raw = allocate_raw(sizeof(T) * (count == 0 ? 1 : count));
        if (!raw) return std::unexpected(raw.error());
        return HypercallBuffer<T>(std::move(*raw), count);
    }

    /// XEN_DOMCTL: sets interface_version, copies `op` through a buffer and back.
    Result<void> domctl(xen_domctl& op);
    /// XEN_SYSCTL: sets interface_version, copies `op` through a buffer and back.
    Result<void> sysctl(xen_sysctl& op);
    /// __HYPERVISOR_memory_op(cmd, &arg), `arg` copied through a buffer and back.
    template <class Arg>
    HypercallResult memory_op(unsigned cmd, Arg& arg) {
        return call_with_struct(__HYPERVISOR_memory_op, cmd, arg);
    }
    /// __HYPERVISOR_hvm_op(cmd, &arg).
    template <class Arg>
    HypercallResult hvm_op(unsigned cmd, Arg& arg) {
        return call_with_struct(__HYPERVISOR_hvm_op, cmd, arg);
    }
    /// __HYPERVISOR_event_channel_op(cmd, &arg).
    template <class Arg>
    HypercallResult event_channel_op(unsigned cmd, Arg& arg) {
        return call_with_struct(__HYPERVISOR_event_channel_op, cmd, arg);
    }

private:
    template <class Arg>
    HypercallResult call_with_struct(std::uint64_t op, std::uint64_t cmd, Arg& arg) {
        auto buffer = allocate<Arg>();
        if (!buffer) return std::unexpected(buffer.error());
        std::memcpy(buffer->get(), &arg, sizeof(Arg));
        auto result = hypercall(op, {cmd, buffer->address(), 0, 0, 0});
        std::memcpy(&arg, buffer->get(), sizeof(Arg));
        return result;
    }
};

}  // namespace tessera::xen
