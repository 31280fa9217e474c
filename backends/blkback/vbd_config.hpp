// What the toolstack wrote in a vbd's backend directory (toolstack/lib/xenstore_layout.cc:
// frontend, frontend-id, type, params, mode, device-type, removable, discard-enable) turned into
// what the backend needs, with raw phy:/file: targets only.
#pragma once

#include <optional>
#include <string>

#include "frontend_params.hpp"
#include "hvcall/error.hpp"
#include "hvcall/xen_abi.hpp"

namespace tessera::blkback {

struct VbdConfig {
    std::string frontend;  ///< the frontend's directory
    domid_t frontend_id = 0;
    std::string target;  ///< file or block device
    bool writable = false;
    bool cdrom = false;
    bool removable = false;
    std::optional<bool> discard_enable;
};

/// Read a backend directory (`read` takes node names relative to it).
xen::Result<VbdConfig> read_vbd_config(const NodeReader& read);

/// The file or device behind `type` and `params` (a legacy "phy:"/"file:"/"aio:"/"raw:"
/// prefix on params is accepted; other formats and backend types are refused by name).
xen::Result<std::string> backing_target(const std::string& type, const std::string& params);

}  // namespace tessera::blkback
