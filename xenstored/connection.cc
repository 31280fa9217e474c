#include "connection.hpp"

namespace tessera::xenstored {

bool Connection::queue(std::string message, bool is_event) {
    if (closing_) return false;
    if (out_bytes_ + message.size() > kMaxQueuedBytes) {
        if (kind_ == Kind::kSocket) {
            closing_ = true;
            if (on_output) on_output();
        }
        return false;
    }
    out_bytes_ += message.size();
    out_.push_back(std::move(message));
    out_is_event_.push_back(is_event);
    if (!is_event) ++pending_replies_;
    if (on_output) on_output();
    return true;
}

void Connection::pop_front() {
    if (out_.empty()) return;
    out_bytes_ -= out_.front().size();
    out_.pop_front();
    if (!out_is_event_.front() && pending_replies_ > 0) --pending_replies_;
    out_is_event_.pop_front();
    front_offset_ = 0;
    if (on_room) on_room();
}

std::uint32_t Connection::next_tx_id() {
    do {
        ++last_tx_id_;
    } while (last_tx_id_ == 0 || tx_.contains(last_tx_id_));
    return last_tx_id_;
}

}  // namespace tessera::xenstored
