#include "frontend_params.hpp"

#include <charconv>

#include <xen/io/protocols.h>

namespace tessera::blkback {

std::optional<std::uint64_t> parse_number(const std::string& text, std::uint64_t max) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > max) return std::nullopt;
    return value;
}

namespace {

xen::Result<std::uint32_t> required(const NodeReader& read, const std::string& node,
                                    std::uint64_t max) {
    const auto text = read(node);
    if (!text) return xen::fail(ENOENT, "frontend has no " + node);
    const auto value = parse_number(*text, max);
    if (!value) return xen::fail(EINVAL, "frontend " + node + " \"" + *text + "\" is invalid");
    return static_cast<std::uint32_t>(*value);
}

xen::Result<unsigned> ring_page_order(const NodeReader& read, const TransportLimits& limits) {
    if (const auto text = read("ring-page-order")) {
        const auto order = parse_number(*text, limits.max_ring_page_order);
        if (!order) return xen::fail(EINVAL, "frontend ring-page-order \"" + *text + "\" refused");
        return static_cast<unsigned>(*order);
    }
    if (const auto text = read("num-ring-pages")) {  // the deprecated form
        const auto pages = parse_number(*text, 1u << limits.max_ring_page_order);
        if (!pages || *pages == 0 || (*pages & (*pages - 1)) != 0) {
            return xen::fail(EINVAL, "frontend num-ring-pages \"" + *text + "\" refused");
        }
        unsigned order = 0;
        while ((1ull << order) < *pages) ++order;
        return order;
    }
    return 0u;
}

}  // namespace

xen::Result<FrontendParams> read_frontend_params(const NodeReader& read,
                                                 const TransportLimits& limits) {
    if (const auto protocol = read("protocol");
        protocol && !protocol->empty() && *protocol != XEN_IO_PROTO_ABI_ARM) {
        return xen::fail(EPROTONOSUPPORT, "frontend protocol \"" + *protocol +
                                              "\" is not " XEN_IO_PROTO_ABI_ARM);
    }
    FrontendParams params;
    auto order = ring_page_order(read, limits);
    if (!order) return std::unexpected(order.error());
    params.ring_page_order = *order;
    unsigned queues = 1;
    if (const auto text = read("multi-queue-num-queues")) {
        const auto n = parse_number(*text, limits.max_queues);
        if (!n || *n == 0) {
            return xen::fail(EINVAL, "frontend multi-queue-num-queues \"" + *text + "\" refused");
        }
        queues = static_cast<unsigned>(*n);
    }
    const unsigned pages = 1u << params.ring_page_order;
    for (unsigned q = 0; q < queues; ++q) {
        const std::string dir = queues == 1 ? "" : "queue-" + std::to_string(q) + "/";
        QueueParams queue;
        for (unsigned p = 0; p < pages; ++p) {
            std::string node = dir + "ring-ref" + std::to_string(p);
            if (pages == 1 && read(dir + "ring-ref")) node = dir + "ring-ref";
            auto ref = required(read, node, UINT32_MAX);
            if (!ref) return std::unexpected(ref.error());
            queue.ring_refs.push_back(*ref);
        }
        auto port = required(read, dir + "event-channel", UINT32_MAX);
        if (!port) return std::unexpected(port.error());
        queue.port = *port;
        params.queues.push_back(std::move(queue));
    }
    return params;
}

}  // namespace tessera::blkback
