#include "ops.hpp"

#include <algorithm>
#include <cerrno>

#include "path.hpp"

namespace tessera::xenstored {

namespace {

/// Access granted by the nearest existing ancestor of path.
unsigned ancestor_access(OpContext& ctx, const std::string& path) {
    std::string cur = path;
    while (cur != "/") {
        cur = std::string(parent_of(cur));
        if (const Node* n = ctx.tree.find(cur)) return access_for(ctx.who, n->perms);
    }
    return kNone;
}

bool too_big(const OpContext& ctx, const Node& node) {
    return !ctx.who.privileged && node.accounted_size() > ctx.quota.node_size;
}

/// Create path and any missing ancestors, inheriting permissions from the nearest existing
/// ancestor; unprivileged creators own what they create.
int create(OpContext& ctx, const std::string& path, std::string_view value) {
    std::vector<std::string> missing{path};
    const Node* anchor = nullptr;
    for (std::string cur = path; cur != "/";) {
        cur = std::string(parent_of(cur));
        anchor = ctx.tree.find(cur);
        if (anchor != nullptr) break;
        missing.push_back(cur);
    }
    if (anchor == nullptr) return EINVAL;  // the root always exists
    if (!(access_for(ctx.who, anchor->perms) & kWrite)) return EACCES;
    Perms perms = anchor->perms;
    if (!ctx.who.privileged) perms[0].id = ctx.who.id;
    if (!ctx.who.privileged &&
        ctx.tree.owned_nodes(ctx.who.id) + missing.size() > ctx.quota.nodes) {
        return ENOSPC;
    }
    Node leaf{std::string(value), perms, {}, 0};
    if (too_big(ctx, leaf)) return ENOSPC;
    // Link the top missing node into its existing parent first.
    const std::string& top = missing.back();
    Node parent = *anchor;
    parent.children.add(basename_of(top));
    if (too_big(ctx, parent)) return ENOSPC;
    ctx.tree.put(std::string(parent_of(top)), std::move(parent));
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        Node n{{}, perms, {}, 0};
        if (*it == path) n.value = value;
        if (std::next(it) != missing.rend()) n.children.add(basename_of(*std::next(it)));
        ctx.tree.put(*it, std::move(n));
    }
    ctx.changes.push_back(Change{path, false, perms});
    return 0;
}

void remove_subtree(OpContext& ctx, const std::string& path) {
    const Node* n = ctx.tree.find(path);
    if (n == nullptr) return;
    const auto kids = n->children;
    const auto perms = n->perms;
    for (const auto& k : kids) remove_subtree(ctx, child_path(path, k));
    ctx.changes.push_back(Change{path, true, perms});
    ctx.tree.erase(path);
}

}  // namespace

int lookup(OpContext& ctx, const std::string& path, unsigned need, const Node*& out) {
    out = ctx.tree.find(path);
    int err = 0;
    if (out != nullptr) {
        if ((access_for(ctx.who, out->perms) & need) == need) return 0;
        out = nullptr;
        err = EACCES;
    } else {
        err = ENOENT;
    }
    if (path == "/") return err;
    return (ancestor_access(ctx, path) & need) ? err : EACCES;
}

int op_read(OpContext& ctx, const std::string& path, std::string& value) {
    const Node* n = nullptr;
    if (const int err = lookup(ctx, path, kRead, n)) return err;
    value = n->value;
    return 0;
}

int op_write(OpContext& ctx, const std::string& path, std::string_view value) {
    const Node* n = nullptr;
    const int err = lookup(ctx, path, kWrite, n);
    if (err == ENOENT) return create(ctx, path, value);
    if (err != 0) return err;
    Node updated = *n;
    updated.value = value;
    if (too_big(ctx, updated)) return ENOSPC;
    ctx.changes.push_back(Change{path, false, updated.perms});
    ctx.tree.put(path, std::move(updated));
    return 0;
}

int op_mkdir(OpContext& ctx, const std::string& path) {
    const Node* n = nullptr;
    const int err = lookup(ctx, path, kWrite, n);
    if (err == ENOENT) return create(ctx, path, {});
    return err;  // an existing directory is fine
}

int op_rm(OpContext& ctx, const std::string& path) {
    if (path == "/") return EINVAL;
    const Node* n = nullptr;
    const int err = lookup(ctx, path, kWrite, n);
    if (err == ENOENT) {
        // Removing a missing node succeeds when its parent exists.
        return ctx.tree.find(std::string(parent_of(path))) != nullptr ? 0 : ENOENT;
    }
    if (err != 0) return err;
    const std::string parent_path(parent_of(path));
    const Node* parent = ctx.tree.find(parent_path);
    if (parent == nullptr) return EINVAL;
    Node updated_parent = *parent;
    updated_parent.children.remove(basename_of(path));
    remove_subtree(ctx, path);
    // The removed node itself fires recursive watches too (not only exact ones).
    for (auto& c : ctx.changes) {
        if (c.path == path) c.exact = false;
    }
    ctx.tree.put(parent_path, std::move(updated_parent));
    return 0;
}

int op_directory(OpContext& ctx, const std::string& path, const Node*& node) {
    return lookup(ctx, path, kRead, node);
}

int op_get_perms(OpContext& ctx, const std::string& path, Perms& perms) {
    const Node* n = nullptr;
    if (const int err = lookup(ctx, path, kRead, n)) return err;
    perms = n->perms;
    return 0;
}

int op_set_perms(OpContext& ctx, const std::string& path, Perms perms) {
    if (perms.empty()) return EINVAL;
    if (!ctx.who.privileged && perms.size() > ctx.quota.perms) return ENOSPC;
    const Node* n = nullptr;
    if (const int err = lookup(ctx, path, kOwner, n)) return err;
    // Unprivileged domains may not give their nodes away.
    if (!ctx.who.privileged && perms[0].id != n->owner()) return EPERM;
    if (!ctx.who.privileged && perms[0].id != n->owner() &&
        ctx.tree.owned_nodes(perms[0].id) >= ctx.quota.nodes) {
        return ENOSPC;
    }
    Node updated = *n;
    updated.perms = std::move(perms);
    ctx.changes.push_back(Change{path, false, updated.perms});
    ctx.tree.put(path, std::move(updated));
    return 0;
}

}  // namespace tessera::xenstored
