// A transaction: a private copy-on-write overlay over the Store. Every node the transaction
// reads or writes records the generation it had in the Store at first access; commit fails with
// EAGAIN when any of them changed meanwhile (Xen's conflict rule), else applies the overlay.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store.hpp"

namespace tessera::xenstored {

/// A change that fires watches: the path, whether only exact watches match (children removed
/// with their parent) and the node's permissions deciding who may see the event.
struct Change {
    std::string path;
    bool exact = false;
    Perms perms;
};

class Transaction final : public Tree {
public:
    explicit Transaction(Store& store) : store_(store) {}

    const Node* find(const std::string& path) override;
    void put(const std::string& path, Node node) override;
    void erase(const std::string& path) override;
    std::size_t owned_nodes(DomId id) const override;

    /// Number of distinct nodes accessed (transaction-nodes quota).
    std::size_t touched() const { return seen_.size(); }
    /// True if the Store changed under any node this transaction accessed.
    bool conflicts() const;
    /// Apply the overlay to the Store (call only when !conflicts()).
    void commit();
    /// Changes to announce to watchers once committed.
    std::vector<Change>& pending_changes() { return changes_; }

private:
    void remember(const std::string& path);

    Store& store_;
    std::unordered_map<std::string, std::optional<Node>> overlay_;
    std::unordered_map<std::string, std::uint64_t> seen_;
    std::unordered_map<DomId, long> owned_delta_;
    std::vector<std::string> order_;  ///< overlay paths in first-write order
    std::vector<Change> changes_;
};

}  // namespace tessera::xenstored
