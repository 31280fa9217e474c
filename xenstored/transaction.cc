#include "transaction.hpp"

namespace tessera::xenstored {

void Transaction::remember(const std::string& path) {
    seen_.try_emplace(path, store_.generation_of(path));
}

const Node* Transaction::find(const std::string& path) {
    if (const auto it = overlay_.find(path); it != overlay_.end()) {
        return it->second ? &*it->second : nullptr;
    }
    remember(path);
    return store_.find(path);
}

void Transaction::put(const std::string& path, Node node) {
    const Node* old = find(path);
    if (old != nullptr) --owned_delta_[old->owner()];
    ++owned_delta_[node.owner()];
    auto [it, inserted] = overlay_.try_emplace(path);
    if (inserted) order_.push_back(path);
    it->second = std::move(node);
}

void Transaction::erase(const std::string& path) {
    const Node* old = find(path);
    if (old == nullptr) return;
    --owned_delta_[old->owner()];
    auto [it, inserted] = overlay_.try_emplace(path);
    if (inserted) order_.push_back(path);
    it->second.reset();
}

std::size_t Transaction::owned_nodes(DomId id) const {
    long n = static_cast<long>(store_.owned_nodes(id));
    if (const auto it = owned_delta_.find(id); it != owned_delta_.end()) n += it->second;
    return n < 0 ? 0 : static_cast<std::size_t>(n);
}

bool Transaction::conflicts() const {
    for (const auto& [path, generation] : seen_) {
        if (store_.generation_of(path) != generation) return true;
    }
    return false;
}

void Transaction::commit() {
    for (const auto& path : order_) {
        auto& slot = overlay_.at(path);
        if (slot) {
            store_.put(path, std::move(*slot));
        } else {
            store_.erase(path);
        }
    }
    overlay_.clear();
    order_.clear();
}

}  // namespace tessera::xenstored
