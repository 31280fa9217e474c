// Serving one ring: take, validate, run, answer.
#include "queue.hpp"

namespace tessera::blkback {

xen::Result<std::shared_ptr<Queue>> Queue::connect(std::shared_ptr<QueueContext> context,
                                                   const QueueParams& params) {
    if (params.ring_refs.empty()) return xen::fail(EINVAL, "no ring pages");
    auto pages = context->grants.map(context->frontend, params.ring_refs, true);
    if (!pages) return std::unexpected(pages.error());
    // At the responses the frontend has seen: 0 on a new ring, and after a restart of the
    // daemon the requests it left unanswered are served again.
    auto ring = Ring::resume(pages->bytes());
    if (!ring) return std::unexpected(ring.error());
    auto port = context->events.bind_interdomain(context->frontend, params.port);
    if (!port) return std::unexpected(port.error());
    return std::shared_ptr<Queue>(
        new Queue(std::move(context), std::move(*pages), std::move(*ring), *port));
}

Queue::Queue(std::shared_ptr<QueueContext> context, xen::GrantPages pages, Ring ring,
             evtchn_port_t port)
    : context_(std::move(context)),
      pages_(std::move(pages)),
      ring_(std::make_unique<Ring>(std::move(ring))),
      local_port_(port) {}

Queue::~Queue() { stop(); }

unsigned Queue::in_flight() const {
    std::lock_guard lock(in_flight_->mutex);
    return in_flight_->count;
}

void Queue::stop() {
    if (stopped_) return;
    stopped_ = true;
    {
        // The workers only need the store and the grant device to finish; their completions
        // (posted to the event loop) find the queue stopped and are dropped.
        std::unique_lock lock(in_flight_->mutex);
        in_flight_->idle.wait(lock, [&] { return in_flight_->count == 0; });
    }
    (void)context_->events.unbind(local_port_);
    ring_.reset();
    pages_.reset();
}

void Queue::fail(const std::string& why) {
    if (error_.empty()) error_ = why;
}

bool Queue::on_event() {
    if (stopped_ || failed()) return false;
    serving_ = true;
    for (;;) {
        for (;;) {
            auto request = ring_->take_request();
            if (!request) {
                fail(request.error().message);
                break;
            }
            if (!*request) break;
            serve(**request);
        }
        if (failed()) break;
        auto more = ring_->final_check_for_requests();
        if (!more) {
            fail(more.error().message);
            break;
        }
        if (!*more) break;
    }
    serving_ = false;
    if (failed()) return false;
    publish();
    (void)context_->events.unmask(local_port_);
    return true;
}

void Queue::serve(const blkif_request& request) {
    auto& stats = context_->stats;
    ++stats.requests;
    Decision decision = decode(request, context_->limits);
    if (auto* rejection = std::get_if<Rejection>(&decision)) return refuse(*rejection);
    IoPlan plan = std::move(std::get<IoPlan>(decision));
    if (plan.needs_indirect()) {
        auto descriptors = context_->data->fetch_indirect(plan);
        if (!descriptors) {
            return refuse(Rejection{plan.id, plan.operation, BLKIF_RSP_ERROR,
                                    "indirect pages could not be copied"});
        }
        if (auto rejection = complete_indirect(plan, *descriptors, context_->limits)) {
            return refuse(*rejection);
        }
    }
    switch (plan.kind) {
        case IoKind::read: ++stats.reads; break;
        case IoKind::write:
            ++stats.writes;
            if (plan.flush_first) ++stats.flushes;
            break;
        case IoKind::flush: ++stats.flushes; break;
        case IoKind::discard: ++stats.discards; break;
    }
    start(std::move(plan));
}

void Queue::refuse(const Rejection& rejection) {
    auto& context = *context_;
    if (rejection.status == BLKIF_RSP_EOPNOTSUPP) {
        ++context.stats.unsupported;
    } else {
        ++context.stats.bad_requests;
        if (context.log_budget > 0 && context.log) {
            --context.log_budget;
            context.log(std::string("bad request refused: ") + rejection.reason +
                        (context.log_budget == 0 ? " (no more of these are logged)" : ""));
        }
    }
    respond(rejection.id, rejection.operation, rejection.status);
}

void Queue::start(IoPlan plan) {
    {
        std::lock_guard lock(in_flight_->mutex);
        ++in_flight_->count;
    }
    auto shared_plan = std::make_shared<const IoPlan>(std::move(plan));
    auto outcome = std::make_shared<IoOutcome>();
    auto work = [data = context_->data, shared_plan, outcome, counter = in_flight_] {
        *outcome = data->execute(*shared_plan);
        std::lock_guard lock(counter->mutex);
        if (--counter->count == 0) counter->idle.notify_all();
    };
    auto done = [weak = weak_from_this(), shared_plan, outcome] {
        if (auto self = weak.lock()) self->complete(*shared_plan, *outcome);
    };
    context_->executor.submit(std::move(work), std::move(done));
}

void Queue::complete(const IoPlan& plan, const IoOutcome& outcome) {
    if (stopped_ || failed()) return;
    if (outcome.status != BLKIF_RSP_OKAY) {
        ++context_->stats.io_errors;
        if (context_->log_budget > 0 && context_->log) {
            --context_->log_budget;
            context_->log("I/O error: " + outcome.error);
        }
    }
    respond(plan.id, plan.operation, outcome.status);
    if (!serving_) publish();
}

void Queue::respond(std::uint64_t id, std::uint8_t operation, std::int16_t status) {
    if (auto r = ring_->put_response(make_response(id, operation, status)); !r) {
        fail(r.error().message);
    }
}

void Queue::publish() {
    if (failed() || stopped_) return;
    if (ring_->push_responses()) {
        ++context_->stats.notifications;
        (void)context_->events.notify(local_port_);
    }
}

}  // namespace tessera::blkback
