// Per-domain limits for unprivileged domains, with Xen 4.17's defaults.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::xenstored {

struct Quota {
    std::size_t nodes = 1000;              ///< nodes a domain may own (-E, entry-nb)
    std::size_t node_size = 2048;          ///< bytes of one node (-S, entry-size)
    std::size_t watches = 128;             ///< watches per domain (-W, watch-nb)
    std::size_t transactions = 10;         ///< open transactions per connection (-t)
    std::size_t perms = 5;                 ///< permission entries per node (-A, perm-nb)
    std::size_t path_max = 2048;           ///< path length below the domain path (-M, path-max)
    std::size_t outstanding = 20;          ///< requests awaiting a reply (-Q outstanding)
    std::size_t transaction_nodes = 1024;  ///< nodes touched by one transaction

    /// Name/value pairs in a stable order (CONTROL quota, docs).
    std::vector<std::pair<std::string, std::size_t>> list() const;
    /// Set one quota by name; false for an unknown name.
    bool set(std::string_view name, std::size_t value);
};

}  // namespace tessera::xenstored
