// Node permissions as Xen defines them: the first entry names the owner and the access every
// domain not listed gets; later entries grant n(one)/r(ead)/w(rite)/b(oth) to single domains.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::xenstored {

using DomId = std::uint32_t;

/// Access bits (Xen XS_PERM_READ/WRITE/OWNER values).
enum Access : unsigned {
    kNone = 0,
    kRead = 1,
    kWrite = 2,
    kOwner = 4,
};

struct Perm {
    DomId id = 0;
    unsigned bits = kNone;  ///< kRead | kWrite only
    bool operator==(const Perm&) const = default;
};

/// Nearly every node has one entry (its owner): kept inline, no allocation.
using Perms = boost::container::small_vector<Perm, 1>;

/// Parse one "r5"-style entry; nullopt if malformed.
std::optional<Perm> parse_perm(std::string_view text);
/// Format one entry as the wire does ("b0").
std::string format_perm(const Perm& p);

/// Who is asking: its domain, whether it is privileged (dom0 tools) and its SET_TARGET target.
struct Requester {
    DomId id = 0;
    bool privileged = true;
    std::optional<DomId> target;
};

/// The access a requester has to a node with these permissions (Xen's rules: privileged
/// requesters and owners get everything; else the first matching entry; else the default).
unsigned access_for(const Requester& who, const Perms& perms);

}  // namespace tessera::xenstored
