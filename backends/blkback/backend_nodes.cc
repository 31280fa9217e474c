// The backend nodes Linux's blkfront reads (xen/io/blkif.h "Backend XenBus Nodes"): features
// and transport limits (read when it sees InitWait) and the disk's properties (read when it
// sees Connected; published early, they do not change during a connection).
#include <string>
#include <utility>
#include <vector>

#include "device.hpp"

namespace tessera::blkback {

std::vector<std::pair<std::string, std::string>> backend_nodes(const VbdConfig& config,
                                                               const BackingStore& store,
                                                               const DeviceOptions& options) {
    const bool discard = config.writable && config.discard_enable.value_or(true);
    unsigned info = 0;
    if (!config.writable) info |= VDISK_READONLY;
    if (config.cdrom) info |= VDISK_CDROM;
    if (config.removable) info |= VDISK_REMOVABLE;
    const auto flag = [](bool b) { return std::string(b ? "1" : "0"); };
    std::vector<std::pair<std::string, std::string>> nodes{
        {"feature-flush-cache", flag(config.writable)},
        {"feature-barrier", "0"},
        {"feature-persistent", "0"},  // grant copy: nothing stays mapped (docs/blkback.md)
        {"feature-discard", flag(discard)},
        {"max-ring-page-order", std::to_string(options.transport.max_ring_page_order)},
        {"max-ring-pages", std::to_string(1u << options.transport.max_ring_page_order)},
        {"multi-queue-max-queues", std::to_string(options.transport.max_queues)},
        {"sectors", std::to_string(store.sectors())},
        {"info", std::to_string(info)},
        {"sector-size", std::to_string(kSectorSize)},
        {"physical-sector-size", std::to_string(store.physical_sector_size())},
    };
    if (options.max_indirect_segments > 0) {
        nodes.emplace_back("feature-max-indirect-segments",
                           std::to_string(options.max_indirect_segments));
    }
    if (discard) {
        nodes.emplace_back("discard-granularity", std::to_string(store.discard_granularity()));
        nodes.emplace_back("discard-alignment", "0");
        nodes.emplace_back("discard-secure", "0");
    }
    return nodes;
}

}  // namespace tessera::blkback
