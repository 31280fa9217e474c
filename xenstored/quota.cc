#include "quota.hpp"

namespace tessera::xenstored {

std::vector<std::pair<std::string, std::size_t>> Quota::list() const {
    return {{"nodes", nodes},
            {"node-size", node_size},
            {"watches", watches},
            {"transactions", transactions},
            {"permissions", perms},
            {"path-max", path_max},
            {"outstanding", outstanding},
            {"transaction-nodes", transaction_nodes}};
}

bool Quota::set(std::string_view name, std::size_t value) {
    if (name == "nodes")
        nodes = value;
    else if (name == "node-size")
        node_size = value;
    else if (name == "watches")
        watches = value;
    else if (name == "transactions")
        transactions = value;
    else if (name == "permissions")
        perms = value;
    else if (name == "path-max")
        path_max = value;
    else if (name == "outstanding")
        outstanding = value;
    else if (name == "transaction-nodes")
        transaction_nodes = value;
    else
        return false;
    return true;
}

}  // namespace tessera::xenstored
