// Byte-stream rings: the console page (xencons_interface, xen/io/console.h) and the xenstore page
// (xenstore_domain_interface, xen/io/xs_wire.h). Each direction is a power-of-two char array with
// free-running producer and consumer indices. The peer's index is validated on every call: a
// producer more than a ring ahead of its consumer is a protocol violation (EIO), never an
// out-of-bounds access.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

namespace tessera::xen::ring {

/// Consumer of one direction of a byte ring: `data` of N bytes, our `cons`, the peer's `prod`.
template <std::size_t N, class Index = std::uint32_t>
class ByteRingReader {
    static_assert(N > 0 && (N & (N - 1)) == 0, "byte rings are a power of two long");

public:
    ByteRingReader(const char (&data)[N], Index& cons, Index& prod)
        : data_(data), cons_(cons), prod_(prod) {}

    /// Bytes waiting to be read; EIO if the producer index is impossible.
    Result<std::size_t> available() const {
        const Index prod = std::atomic_ref<Index>(prod_).load(std::memory_order_acquire);
        const Index cons = std::atomic_ref<Index>(cons_).load(std::memory_order_relaxed);
        const Index used = static_cast<Index>(prod - cons);
        if (used > N) {
            return fail(EIO, "byte ring: producer " + std::to_string(prod) + " is " +
                                 std::to_string(used) + " ahead of consumer " +
                                 std::to_string(cons) + " on a ring of " + std::to_string(N));
        }
        return used;
    }

    /// Copy up to out.size() bytes out and release their space; returns how many.
    Result<std::size_t> read(std::span<char> out) {
        auto used = available();
        if (!used) return std::unexpected(used.error());
        Index cons = std::atomic_ref<Index>(cons_).load(std::memory_order_relaxed);
        const std::size_t n = out.size() < *used ? out.size() : *used;
        for (std::size_t i = 0; i < n; ++i) out[i] = data_[(cons + i) & (N - 1)];
        cons = static_cast<Index>(cons + n);
        std::atomic_ref<Index>(cons_).store(cons, std::memory_order_release);
        return n;
    }

private:
    const char (&data_)[N];
    Index& cons_;
    Index& prod_;
};

/// Producer of one direction of a byte ring: `data` of N bytes, the peer's `cons`, our `prod`.
template <std::size_t N, class Index = std::uint32_t>
class ByteRingWriter {
    static_assert(N > 0 && (N & (N - 1)) == 0, "byte rings are a power of two long");

public:
    ByteRingWriter(char (&data)[N], Index& cons, Index& prod)
        : data_(data), cons_(cons), prod_(prod) {}

    /// Free space; EIO if the consumer index is impossible (ahead of us, or a ring behind).
    Result<std::size_t> space() const {
        const Index cons = std::atomic_ref<Index>(cons_).load(std::memory_order_acquire);
        const Index prod = std::atomic_ref<Index>(prod_).load(std::memory_order_relaxed);
        const Index used = static_cast<Index>(prod - cons);
        if (used > N) {
            return fail(EIO, "byte ring: consumer " + std::to_string(cons) +
                                 " is inconsistent with producer " + std::to_string(prod));
        }
        return N - used;
    }

    /// Copy as much of `bytes` as fits and publish it; returns how many.
    Result<std::size_t> write(std::span<const char> bytes) {
        auto room = space();
        if (!room) return std::unexpected(room.error());
        Index prod = std::atomic_ref<Index>(prod_).load(std::memory_order_relaxed);
        const std::size_t n = bytes.size() < *room ? bytes.size() : *room;
        for (std::size_t i = 0; i < n; ++i) data_[(prod + i) & (N - 1)] = bytes[i];
        prod = static_cast<Index>(prod + n);
        std::atomic_ref<Index>(prod_).store(prod, std::memory_order_release);
        return n;
    }

private:
    char (&data_)[N];
    Index& cons_;
    Index& prod_;
};

/// dom0's side of a console page: reads the guest's output, writes the guest's input.
struct ConsoleBackend {
    explicit ConsoleBackend(xencons_interface& page)
        : output(page.out, page.out_cons, page.out_prod), input(page.in, page.in_cons, page.in_prod) {}
    ByteRingReader<sizeof(xencons_interface::out), XENCONS_RING_IDX> output;
    ByteRingWriter<sizeof(xencons_interface::in), XENCONS_RING_IDX> input;
};

/// The guest's side of a console page (for tests and test guests).
struct ConsoleFrontend {
    explicit ConsoleFrontend(xencons_interface& page)
        : output(page.out, page.out_cons, page.out_prod), input(page.in, page.in_cons, page.in_prod) {}
    ByteRingWriter<sizeof(xencons_interface::out), XENCONS_RING_IDX> output;
    ByteRingReader<sizeof(xencons_interface::in), XENCONS_RING_IDX> input;
};

/// xenstored's side of a xenstore page: reads requests, writes responses and watch events.
struct XenstoreServer {
    explicit XenstoreServer(xenstore_domain_interface& page)
        : requests(page.req, page.req_cons, page.req_prod),
          responses(page.rsp, page.rsp_cons, page.rsp_prod) {}
    ByteRingReader<XENSTORE_RING_SIZE, XENSTORE_RING_IDX> requests;
    ByteRingWriter<XENSTORE_RING_SIZE, XENSTORE_RING_IDX> responses;
};

/// A guest's side of a xenstore page.
struct XenstoreClient {
    explicit XenstoreClient(xenstore_domain_interface& page)
        : requests(page.req, page.req_cons, page.req_prod),
          responses(page.rsp, page.rsp_cons, page.rsp_prod) {}
    ByteRingWriter<XENSTORE_RING_SIZE, XENSTORE_RING_IDX> requests;
    ByteRingReader<XENSTORE_RING_SIZE, XENSTORE_RING_IDX> responses;
};

}  // namespace tessera::xen::ring
