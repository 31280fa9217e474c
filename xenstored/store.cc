#include "store.hpp"

#include <algorithm>

#include "path.hpp"

namespace tessera::xenstored {

std::size_t Node::accounted_size() const {
    return value.size() + perms.size() * sizeof(Perm) + children.bytes().size();
}

Store::Store() {
    clear();
}

void Store::clear() {
    nodes_.clear();
    owned_.clear();
    Node root;
    root.perms = {Perm{0, kNone}};
    root.generation = next_generation_++;
    account(nullptr, &root);
    nodes_.emplace("/", std::move(root));
}

const Node* Store::find(const std::string& path) {
    const auto it = nodes_.find(path);
    return it == nodes_.end() ? nullptr : &it->second;
}

void Store::account(const Node* old_node, const Node* new_node) {
    if (old_node != nullptr) {
        auto& n = owned_[old_node->owner()];
        if (n > 0) --n;
    }
    if (new_node != nullptr) ++owned_[new_node->owner()];
}

void Store::put(const std::string& path, Node node) {
    node.generation = next_generation_++;
    auto [it, inserted] = nodes_.try_emplace(path);
    account(inserted ? nullptr : &it->second, &node);
    it->second = std::move(node);
}

void Store::restore(const std::string& path, Node node) {
    if (node.generation >= next_generation_) next_generation_ = node.generation + 1;
    auto [it, inserted] = nodes_.try_emplace(path);
    account(inserted ? nullptr : &it->second, &node);
    it->second = std::move(node);
}

bool Store::restore_linked(const std::string& path, Node node) {
    node.children.clear();
    if (path == "/") {
        auto& root = nodes_.at("/");
        node.children = std::move(root.children);
        restore(path, std::move(node));
        return true;
    }
    const auto parent = nodes_.find(std::string(parent_of(path)));
    if (parent == nodes_.end() || nodes_.contains(path)) return false;
    parent->second.children.add(basename_of(path));
    restore(path, std::move(node));
    return true;
}

void Store::erase(const std::string& path) {
    const auto it = nodes_.find(path);
    if (it == nodes_.end()) return;
    account(&it->second, nullptr);
    nodes_.erase(it);
}

std::size_t Store::owned_nodes(DomId id) const {
    const auto it = owned_.find(id);
    return it == owned_.end() ? 0 : it->second;
}

std::uint64_t Store::generation_of(const std::string& path) const {
    const auto it = nodes_.find(path);
    return it == nodes_.end() ? 0 : it->second.generation;
}

void Store::walk(const std::function<void(const std::string&, const Node&)>& fn) const {
    std::vector<std::string> stack{"/"};
    while (!stack.empty()) {
        const auto path = std::move(stack.back());
        stack.pop_back();
        const auto it = nodes_.find(path);
        if (it == nodes_.end()) continue;
        fn(path, it->second);
        const std::size_t first = stack.size();
        for (const auto k : it->second.children) stack.push_back(child_path(path, k));
        std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(first), stack.end());
    }
}

std::string Store::check() const {
    std::unordered_map<DomId, std::size_t> owned;
    for (const auto& [path, node] : nodes_) {
        ++owned[node.owner()];
        if (node.perms.empty()) return path + ": no permissions";
        for (const auto& c : node.children) {
            if (!nodes_.contains(child_path(path, c)))
                return path + ": missing child " + std::string(c);
        }
        if (path == "/") continue;
        const auto parent = nodes_.find(std::string(parent_of(path)));
        if (parent == nodes_.end()) return path + ": missing parent";
        if (!parent->second.children.contains(basename_of(path)))
            return path + ": not listed by parent";
    }
    for (const auto& [id, n] : owned) {
        if (owned_nodes(id) != n) return "owner count mismatch for domain " + std::to_string(id);
    }
    return {};
}

}  // namespace tessera::xenstored
