// JSON rendering of a DomainConfig, shaped like libxl's domain configuration (`xl create -n`).
#pragma once

#include <string>

#include "toolstack/domain_config.h"
#include "toolstack/result.h"

namespace tessera::toolstack {

/// {"c_info": {...}, "b_info": {...}, "disks": [...], "nics": [...], "on_poweroff": ...},
/// indented by four spaces, field names as libxl's IDL spells them.
Result<std::string> config_to_json(const DomainConfig& config);

}  // namespace tessera::toolstack
