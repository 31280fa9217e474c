// The Xen shared I/O ring (xen/io/ring.h) as C++ templates over the sring types that
// DEFINE_RING_TYPES generates (blkif_sring, netif_tx_sring, netif_rx_sring...): FrontRing for a
// frontend, BackRing for a backend facing a possibly hostile frontend.
//
// Memory ordering follows ring.h: a producer publishes entries with a release store of its
// index (ring.h's wmb before req_prod/rsp_prod), a consumer reads the producer index with an
// acquire load before reading entries (rmb), and the "final check" and "push and check notify"
// steps put a full fence between writing one index and reading the other (mb).
//
// The backend never trusts the frontend: it snapshots req_prod once per check, fails the ring
// (sticky, EIO) if req_prod - req_cons exceeds the ring size, and copies each request out of
// shared memory exactly once, in take_request().
#pragma once

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

#include <xen/io/ring.h>

namespace tessera::xen::ring {

/// Types and sizes of the ring described by `SRing` (a DEFINE_RING_TYPES `name_sring`).
template <class SRing>
struct RingTraits {
    using Entry = std::remove_reference_t<decltype(std::declval<SRing&>().ring[0])>;
    using Request = decltype(Entry::req);
    using Response = decltype(Entry::rsp);
    static_assert(std::is_standard_layout_v<SRing> && std::is_trivially_copyable_v<Entry>);

    static constexpr std::size_t kHeaderBytes = offsetof(SRing, ring);

    /// Entries in a ring of `bytes` of shared memory: a power of two (ring.h __RING_SIZE).
    static constexpr unsigned entries(std::size_t bytes) {
        if (bytes < kHeaderBytes + sizeof(Entry)) return 0;
        std::size_t n = (bytes - kHeaderBytes) / sizeof(Entry);
        std::size_t p = 1;
        while (p * 2 <= n) p *= 2;
        return static_cast<unsigned>(p);
    }
};

namespace detail {

inline RING_IDX load_acquire(RING_IDX& index) {
    return std::atomic_ref<RING_IDX>(index).load(std::memory_order_acquire);
}
inline void store_release(RING_IDX& index, RING_IDX value) {
    std::atomic_ref<RING_IDX>(index).store(value, std::memory_order_release);
}
inline void full_fence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

/// Check that `shared` can hold an sring of at least one entry.
template <class SRing>
Result<unsigned> check_area(std::span<std::byte> shared) {
    if (shared.empty() || shared.size() % kXenPageSize != 0) {
        return fail(EINVAL, "ring: shared area must be whole 4 KiB pages");
    }
    if (reinterpret_cast<std::uintptr_t>(shared.data()) % alignof(SRing) != 0) {
        return fail(EINVAL, "ring: shared area misaligned");
    }
    return RingTraits<SRing>::entries(shared.size());
}

/// The ring slot for index `i` (free-running, masked by the power-of-two size).
template <class SRing>
typename RingTraits<SRing>::Entry* slot(SRing* sring, unsigned size, RING_IDX i) {
    auto* base = reinterpret_cast<std::byte*>(sring) + RingTraits<SRing>::kHeaderBytes;
    return reinterpret_cast<typename RingTraits<SRing>::Entry*>(base) + (i & (size - 1));
}

}  // namespace detail

/// The frontend's end: produces requests, consumes responses.
template <class SRing>
class FrontRing {
public:
    using Request = typename RingTraits<SRing>::Request;
    using Response = typename RingTraits<SRing>::Response;

    /// Initialise the shared ring in `shared` (SHARED_RING_INIT, then FRONT_RING_INIT).
    static Result<FrontRing> create(std::span<std::byte> shared) {
        auto size = detail::check_area<SRing>(shared);
        if (!size) return std::unexpected(size.error());
        std::memset(shared.data(), 0, RingTraits<SRing>::kHeaderBytes);
        auto* sring = reinterpret_cast<SRing*>(shared.data());
        sring->req_event = 1;
        sring->rsp_event = 1;
        return FrontRing(sring, *size);
    }

    unsigned size() const { return size_; }
    /// Requests that can still be queued (RING_FREE_REQUESTS).
    unsigned free_requests() const { return size_ - (req_prod_pvt_ - rsp_cons_); }
    bool full() const { return free_requests() == 0; }

    /// Queue a request privately (not yet visible to the backend); false if the ring is full.
    bool put_request(const Request& request) {
        if (full()) return false;
        std::memcpy(&detail::slot(sring_, size_, req_prod_pvt_)->req, &request, sizeof request);
        ++req_prod_pvt_;
        return true;
    }

    /// RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish the queued requests; true if the backend
    /// asked to be notified of them (req_event fell within the newly published ones).
    bool push_requests() {
        const RING_IDX old_prod = published_;
        const RING_IDX new_prod = req_prod_pvt_;
        detail::store_release(sring_->req_prod, new_prod);
        published_ = new_prod;
        detail::full_fence();
        const RING_IDX event = detail::load_acquire(sring_->req_event);
        return static_cast<RING_IDX>(new_prod - event) < static_cast<RING_IDX>(new_prod - old_prod);
    }

    /// Responses published and not yet taken. EIO if the backend claims responses to requests
    /// that were never sent.
    Result<unsigned> unconsumed_responses() {
        const RING_IDX prod = detail::load_acquire(sring_->rsp_prod);
        const RING_IDX available = prod - rsp_cons_;
        if (available > req_prod_pvt_ - rsp_cons_) {
            return fail(EIO, "ring: backend rsp_prod " + std::to_string(prod) +
                                 " is ahead of the requests sent");
        }
        return available;
    }

    /// The next response, copied out of the ring, or nullopt when there is none.
    Result<std::optional<Response>> take_response() {
        auto available = unconsumed_responses();
        if (!available) return std::unexpected(available.error());
        if (*available == 0) return std::optional<Response>();
        Response response;
        std::memcpy(&response, &detail::slot(sring_, size_, rsp_cons_)->rsp, sizeof response);
        ++rsp_cons_;
        return std::optional<Response>(response);
    }

    /// RING_FINAL_CHECK_FOR_RESPONSES: true if responses are waiting; otherwise asks for an
    /// event on the next one and checks again (closing the race with the backend).
    Result<bool> final_check_for_responses() {
        auto available = unconsumed_responses();
        if (!available) return std::unexpected(available.error());
        if (*available > 0) return true;
        detail::store_release(sring_->rsp_event, rsp_cons_ + 1);
        detail::full_fence();
        available = unconsumed_responses();
        if (!available) return std::unexpected(available.error());
        return *available > 0;
    }

private:
    FrontRing(SRing* sring, unsigned size) : sring_(sring), size_(size) {}

    SRing* sring_;
    unsigned size_;
    RING_IDX req_prod_pvt_ = 0;
    RING_IDX published_ = 0;
    RING_IDX rsp_cons_ = 0;
};

/// The backend's end: consumes requests from an untrusted frontend, produces responses.
template <class SRing>
class BackRing {
public:
    using Request = typename RingTraits<SRing>::Request;
    using Response = typename RingTraits<SRing>::Response;

    /// Attach to a ring the frontend initialised (BACK_RING_ATTACH at index `start`: 0 for a
    /// new connection).
    static Result<BackRing> attach(std::span<std::byte> shared, RING_IDX start = 0) {
        auto size = detail::check_area<SRing>(shared);
        if (!size) return std::unexpected(size.error());
        return BackRing(reinterpret_cast<SRing*>(shared.data()), *size, start);
    }

    /// Attach where the published responses end (sring->rsp_prod): a backend taking over a
    /// live ring from one that died serves again every request left without a response.
    static Result<BackRing> resume(std::span<std::byte> shared) {
        auto size = detail::check_area<SRing>(shared);
        if (!size) return std::unexpected(size.error());
        auto* sring = reinterpret_cast<SRing*>(shared.data());
        return BackRing(sring, *size, detail::load_acquire(sring->rsp_prod));
    }

    unsigned size() const { return size_; }
    /// True once the frontend has been caught breaking the protocol: the connection must be
    /// failed, and every later call returns EIO.
    bool failed() const { return failed_; }

    /// Requests published and not yet taken, bounded by the room left for their responses
    /// (RING_UNCONSUMED_REQUESTS). EIO if req_prod is more than a ring ahead of us.
    Result<unsigned> unconsumed_requests() {
        if (failed_) return fail(EIO, "ring: failed earlier");
        const RING_IDX prod = detail::load_acquire(sring_->req_prod);
        const RING_IDX available = prod - req_cons_;
        if (available > size_) {
            failed_ = true;
            return fail(EIO, "ring: frontend req_prod " + std::to_string(prod) + " is " +
                                 std::to_string(available) + " ahead of req_cons " +
                                 std::to_string(req_cons_) + " on a ring of " +
                                 std::to_string(size_));
        }
        const RING_IDX room = size_ - (req_cons_ - rsp_prod_pvt_);
        return available < room ? available : room;
    }

    /// The next request, copied once out of shared memory; nullopt when there is none.
    Result<std::optional<Request>> take_request() {
        auto available = unconsumed_requests();
        if (!available) return std::unexpected(available.error());
        if (*available == 0) return std::optional<Request>();
        Request request;
        std::memcpy(&request, &detail::slot(sring_, size_, req_cons_)->req, sizeof request);
        ++req_cons_;
        return std::optional<Request>(request);
    }

    /// Queue a response privately. EINVAL if every taken request already has one.
    Result<void> put_response(const Response& response) {
        if (failed_) return fail(EIO, "ring: failed earlier");
        if (rsp_prod_pvt_ == req_cons_) return fail(EINVAL, "ring: response without a request");
        std::memcpy(&detail::slot(sring_, size_, rsp_prod_pvt_)->rsp, &response, sizeof response);
        ++rsp_prod_pvt_;
        return {};
    }

    /// RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: publish; true if the frontend wants an event.
    bool push_responses() {
        const RING_IDX old_prod = published_;
        const RING_IDX new_prod = rsp_prod_pvt_;
        detail::store_release(sring_->rsp_prod, new_prod);
        published_ = new_prod;
        detail::full_fence();
        const RING_IDX event = detail::load_acquire(sring_->rsp_event);
        return static_cast<RING_IDX>(new_prod - event) < static_cast<RING_IDX>(new_prod - old_prod);
    }

    /// RING_FINAL_CHECK_FOR_REQUESTS: true if requests are waiting; otherwise asks for an event
    /// on the next one and checks again.
    Result<bool> final_check_for_requests() {
        auto available = unconsumed_requests();
        if (!available) return std::unexpected(available.error());
        if (*available > 0) return true;
        detail::store_release(sring_->req_event, req_cons_ + 1);
        detail::full_fence();
        available = unconsumed_requests();
        if (!available) return std::unexpected(available.error());
        return *available > 0;
    }

private:
    BackRing(SRing* sring, unsigned size, RING_IDX start)
        : sring_(sring), size_(size), req_cons_(start), rsp_prod_pvt_(start), published_(start) {}

    SRing* sring_;
    unsigned size_;
    RING_IDX req_cons_;
    RING_IDX rsp_prod_pvt_;
    RING_IDX published_;
    bool failed_ = false;
};

}  // namespace tessera::xen::ring
