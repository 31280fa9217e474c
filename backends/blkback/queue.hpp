// One blkif ring (a queue of a multi-queue device): its pages mapped from the frontend, its
// event channel, the requests taken from it (each copied out once by BackRing), validated by
// protocol.hpp, run through the Executor, answered in any order. Responses are published with
// RING_PUSH_RESPONSES_AND_CHECK_NOTIFY semantics: an event only when the frontend asked.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "queue_context.hpp"
#include "ring/shared_ring.hpp"

namespace tessera::blkback {

/// The frontend's transport parameters for one ring.
struct QueueParams {
    std::vector<grant_ref_t> ring_refs;
    evtchn_port_t port = 0;
};

class Queue : public std::enable_shared_from_this<Queue> {
public:
    /// Map the ring and bind its event channel.
    static xen::Result<std::shared_ptr<Queue>> connect(std::shared_ptr<QueueContext> context,
                                                       const QueueParams& params);
    ~Queue();
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    evtchn_port_t local_port() const { return local_port_; }
    unsigned ring_size() const { return ring_->size(); }
    /// Requests taken and not yet answered.
    unsigned in_flight() const;
    /// Serve what the frontend queued, then write the port back. False when the frontend
    /// broke the ring protocol (the device must be failed; the reason is in error()).
    bool on_event();
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    /// Wait for the requests in flight, unbind the port and unmap the ring.
    void stop();

private:
    struct InFlight {
        std::mutex mutex;
        std::condition_variable idle;
        unsigned count = 0;
    };
    using Ring = xen::ring::BackRing<blkif_sring>;

    Queue(std::shared_ptr<QueueContext> context, xen::GrantPages pages, Ring ring,
          evtchn_port_t port);
    void serve(const blkif_request& request);
    void refuse(const Rejection& rejection);
    void start(IoPlan plan);
    void complete(const IoPlan& plan, const IoOutcome& outcome);
    void respond(std::uint64_t id, std::uint8_t operation, std::int16_t status);
    void publish();
    void fail(const std::string& why);

    std::shared_ptr<QueueContext> context_;
    xen::GrantPages pages_;
    std::unique_ptr<Ring> ring_;
    evtchn_port_t local_port_;
    std::shared_ptr<InFlight> in_flight_ = std::make_shared<InFlight>();
    bool serving_ = false;  ///< inside on_event: publish once at its end
    bool stopped_ = false;
    std::string error_;
};

}  // namespace tessera::blkback
