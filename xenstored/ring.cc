#include "ring.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace tessera::xenstored {

namespace {

std::uint32_t load(std::uint32_t& v) {
    return std::atomic_ref<std::uint32_t>(v).load(std::memory_order_acquire);
}
void store(std::uint32_t& v, std::uint32_t x) {
    std::atomic_ref<std::uint32_t>(v).store(x, std::memory_order_release);
}

}  // namespace

Ring::Ring(xenstore_domain_interface& page) : page_(page) {
    store(page_.server_features,
          XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
}

Ring::Status Ring::read_requests(std::vector<xs::Message>& out, std::size_t max) {
    if (failed_) return Status::kBadIndex;
    char chunk[XENSTORE_RING_SIZE];
    std::size_t produced = 0;
    consumed_ = 0;
    while (produced < max) {
        const XENSTORE_RING_IDX cons = load(page_.req_cons);
        const XENSTORE_RING_IDX prod = load(page_.req_prod);
        const XENSTORE_RING_IDX avail = prod - cons;
        if (avail > XENSTORE_RING_SIZE) {
            set_error(XENSTORE_ERROR_RINGIDX);
            return Status::kBadIndex;
        }
        if (avail == 0) break;
        const std::size_t offset = MASK_XENSTORE_IDX(cons);
        const std::size_t n =
            std::min<std::size_t>({avail, XENSTORE_RING_SIZE - offset, decoder_.wanted()});
        std::memcpy(chunk, page_.req + offset, n);  // the only read of this request data
        store(page_.req_cons, cons + static_cast<XENSTORE_RING_IDX>(n));
        consumed_ += n;
        decoder_.feed(std::span<const char>(chunk, n));
        if (decoder_.status() == xs::StreamDecoder::Status::kTooLong) {
            set_error(XENSTORE_ERROR_PROTO);
            return Status::kBadMessage;
        }
        if (decoder_.status() == xs::StreamDecoder::Status::kMessage) {
            out.push_back(decoder_.take());
            ++produced;
        }
    }
    return Status::kOk;
}

Ring::Status Ring::write_output(Connection& conn, std::size_t& written) {
    written = 0;
    if (failed_) return Status::kBadIndex;
    auto& queue = conn.output();
    while (!queue.empty()) {
        const XENSTORE_RING_IDX cons = load(page_.rsp_cons);
        const XENSTORE_RING_IDX prod = load(page_.rsp_prod);
        const XENSTORE_RING_IDX used = prod - cons;
        if (used > XENSTORE_RING_SIZE) {
            set_error(XENSTORE_ERROR_RINGIDX);
            return Status::kBadIndex;
        }
        const std::size_t space = XENSTORE_RING_SIZE - used;
        if (space == 0) break;
        const std::string& msg = queue.front();
        std::size_t& done = conn.front_offset();
        const std::size_t offset = MASK_XENSTORE_IDX(prod);
        const std::size_t n = std::min({space, XENSTORE_RING_SIZE - offset, msg.size() - done});
        std::memcpy(page_.rsp + offset, msg.data() + done, n);
        store(page_.rsp_prod, prod + static_cast<XENSTORE_RING_IDX>(n));
        done += n;
        written += n;
        if (done == msg.size()) conn.pop_front();
    }
    return Status::kOk;
}

bool Ring::reconnect_requested() const {
    return load(page_.connection) == XENSTORE_RECONNECT;
}

void Ring::reset() {
    decoder_ = xs::StreamDecoder{};
    failed_ = false;
    store(page_.req_cons, 0);
    store(page_.req_prod, 0);
    store(page_.rsp_cons, 0);
    store(page_.rsp_prod, 0);
    store(page_.error, XENSTORE_ERROR_NONE);
    store(page_.connection, XENSTORE_CONNECTED);
}

void Ring::set_error(std::uint32_t error) {
    failed_ = true;
    store(page_.error, error);
}

void Ring::restore_partial_input(const std::string& bytes) {
    decoder_.feed(std::span<const char>(bytes.data(), bytes.size()));
}

}  // namespace tessera::xenstored
