// What a blkfront publishes for a connection (xen/io/blkif.h "Frontend XenBus Nodes" and the
// multi-queue layout): ring page order, number of queues, each queue's ring-ref(s) and
// event-channel, protocol. Parsed strictly; anything out of the limits we offered is refused.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hvcall/error.hpp"
#include "queue.hpp"

namespace tessera::blkback {

/// What we offer (max-ring-page-order, multi-queue-max-queues).
struct TransportLimits {
    unsigned max_ring_page_order = 4;
    unsigned max_queues = 4;
};

struct FrontendParams {
    unsigned ring_page_order = 0;
    std::vector<QueueParams> queues;
};

/// Reads a node relative to the frontend's directory ("ring-ref", "queue-1/event-channel");
/// nullopt when it does not exist.
using NodeReader = std::function<std::optional<std::string>(const std::string&)>;

xen::Result<FrontendParams> read_frontend_params(const NodeReader& read,
                                                 const TransportLimits& limits);

/// A decimal number, all of `text`, that fits `max`; nullopt otherwise.
std::optional<std::uint64_t> parse_number(const std::string& text, std::uint64_t max);

}  // namespace tessera::blkback
