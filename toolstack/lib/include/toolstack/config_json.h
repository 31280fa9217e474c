// JSON rendering of a DomainConfig, shaped like libxl's domain configuration (`xl create -n`).
#pragma once

#include <span>
#include <string>
#include <utility>

#include "toolstack/domain_config.h"
#include "toolstack/result.h"

namespace tessera::toolstack {

/// {"c_info": {...}, "b_info": {...}, "disks": [...], "nics": [...], "on_poweroff": ...},
/// indented by four spaces, field names as libxl's IDL spells them.
Result<std::string> config_to_json(const DomainConfig& config);

/// `xl list -l`: [{"domid": N, "config": {...}}, ...], as xl prints libxl's stored configs.
Result<std::string> domains_to_json(std::span<const std::pair<uint32_t, DomainConfig>> domains);

}  // namespace tessera::toolstack
