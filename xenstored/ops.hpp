// Node operations with Xen's permission, inheritance and quota rules, over any Tree (the Store
// or a Transaction). Each returns 0 or an errno value, and appends the changes that fire watches.
#pragma once

#include <string>
#include <vector>

#include "perms.hpp"
#include "quota.hpp"
#include "store.hpp"
#include "transaction.hpp"

namespace tessera::xenstored {

struct OpContext {
    Tree& tree;
    const Requester& who;
    const Quota& quota;
    std::vector<Change>& changes;
};

/// Look a node up needing the given access; EACCES/ENOENT as Xen reports them (a missing node
/// under an unreadable ancestor reports EACCES so its absence is not leaked).
int lookup(OpContext& ctx, const std::string& path, unsigned need, const Node*& out);

int op_read(OpContext& ctx, const std::string& path, std::string& value);
int op_write(OpContext& ctx, const std::string& path, std::string_view value);
int op_mkdir(OpContext& ctx, const std::string& path);
int op_rm(OpContext& ctx, const std::string& path);
int op_directory(OpContext& ctx, const std::string& path, const Node*& node);
int op_get_perms(OpContext& ctx, const std::string& path, Perms& perms);
int op_set_perms(OpContext& ctx, const std::string& path, Perms perms);

}  // namespace tessera::xenstored
