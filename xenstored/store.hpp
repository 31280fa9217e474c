// The node tree. Store is the committed tree; Transaction (transaction.hpp) is a private overlay
// over it. Both implement Tree so that every request handler runs unchanged inside or outside a
// transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "child_list.hpp"
#include "perms.hpp"

namespace tessera::xenstored {

struct Node {
    std::string value;
    Perms perms;
    ChildList children;                 ///< names, in creation order
    std::uint64_t generation = 0;       ///< bumped on every change (DIRECTORY_PART, conflicts)

    /// Bytes counted against the entry-size quota: value, child names and permissions.
    std::size_t accounted_size() const;
    /// Owner (first permission entry).
    DomId owner() const { return perms.empty() ? 0 : perms[0].id; }
};

/// Read/write access to a tree of nodes keyed by absolute path.
class Tree {
public:
    virtual ~Tree() = default;
    /// The node at path or nullptr.
    virtual const Node* find(const std::string& path) = 0;
    /// Create or replace the node at path (the parent's child list is the caller's business).
    virtual void put(const std::string& path, Node node) = 0;
    /// Remove the single node at path.
    virtual void erase(const std::string& path) = 0;
    /// Number of nodes owned by a domain as seen through this tree.
    virtual std::size_t owned_nodes(DomId id) const = 0;
};

class Store final : public Tree {
public:
    /// A store holding only the root node "/" (owner dom0, no access for others).
    Store();

    const Node* find(const std::string& path) override;
    void put(const std::string& path, Node node) override;
    void erase(const std::string& path) override;
    std::size_t owned_nodes(DomId id) const override;

    /// Generation of the node at path, 0 when absent.
    std::uint64_t generation_of(const std::string& path) const;
    /// Insert a node exactly as given (restore from a state file); keeps its generation.
    void restore(const std::string& path, Node node);
    /// Restore a node and append it to its parent's child list (state files list parents
    /// first). False if the parent is missing.
    bool restore_linked(const std::string& path, Node node);
    /// Next generation number to hand out (persisted so generations never go back).
    std::uint64_t next_generation() const { return next_generation_; }
    void set_next_generation(std::uint64_t g) { next_generation_ = g; }
    std::size_t size() const { return nodes_.size(); }
    /// Visit nodes depth-first from the root, parents before children, in child order.
    void walk(const std::function<void(const std::string&, const Node&)>& fn) const;
    /// Consistency check: every child listed exists, every node is listed by its parent,
    /// ownership counters match. Returns a description of the first problem, empty if none.
    std::string check() const;
    /// Remove every node (restore starts from an empty tree).
    void clear();

private:
    void account(const Node* old_node, const Node* new_node);

    std::unordered_map<std::string, Node> nodes_;
    std::unordered_map<DomId, std::size_t> owned_;
    std::uint64_t next_generation_ = 1;
};

}  // namespace tessera::xenstored
