// The xenstore entries a new guest needs, with the paths, values and permissions libxl uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "toolstack/domain_config.h"

namespace tessera::toolstack {

/// One permission of a xenstore node, written as on the wire: 'n', 'r', 'w' or 'b' then a domid.
/// The first permission names the owner (who may do anything) and the access of everyone else.
struct XsPerm {
    char kind = 'n';
    uint32_t domid = 0;

    std::string str() const { return kind + std::to_string(domid); }
    bool operator==(const XsPerm&) const = default;
};

/// One node to write: full path, value (empty for a directory) and permissions.
struct XsEntry {
    std::string path;
    std::string value;
    std::vector<XsPerm> perms;
};

/// Facts known only once the domain exists.
struct XsDomainFacts {
    uint32_t domid = 0;
    uint32_t backend_domid = 0;  ///< domain serving console, xenstore, disks and vifs
    uint32_t store_port = 0;     ///< event channel of the xenstore ring
    uint64_t store_gfn = 0;      ///< guest frame of the xenstore ring
    uint32_t console_port = 0;
    uint64_t console_gfn = 0;
    std::string start_time;  ///< seconds.centiseconds since the epoch, as libxl writes it
};

/// Console ring size limit libxl gives xenconsoled (LIBXL_XENCONSOLE_LIMIT).
inline constexpr uint32_t kConsoleLimit = 1048576;

/// /local/domain/N/{name,domid,vm,memory,cpu,control,console,device...}, /vm/UUID/... and the
/// console, vbd and vif backend directories under /local/domain/BACKEND/backend/, in write order.
std::vector<XsEntry> xenstore_layout(const DomainConfig& config, const XsDomainFacts& facts);

/// The frontend and backend nodes of one disk or one vif of a running guest (xl block-attach,
/// network-attach): the same entries xenstore_layout() writes for it at creation. Only
/// domid and backend_domid of `facts` are used.
std::vector<XsEntry> vbd_layout(const DiskSpec& disk, const XsDomainFacts& facts);
std::vector<XsEntry> vif_layout(const VifSpec& vif, const Uuid& uuid, const XsDomainFacts& facts);

/// The MAC a vif without mac= gets: Xen's OUI 00:16:3e, then bytes taken from the domain UUID
/// and the device number, so a given guest keeps its addresses from one boot to the next.
MacAddress default_mac(const Uuid& uuid, uint32_t devid);

}  // namespace tessera::toolstack
