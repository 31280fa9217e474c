// A guest's configuration as xl.cfg(5) describes it, interpreted and validated for Arm.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "toolstack/cfg_file.h"
#include "toolstack/cpu_set.h"
#include "toolstack/disk_spec.h"
#include "toolstack/result.h"
#include "toolstack/uuid.h"
#include "toolstack/vif_spec.h"

namespace tessera::toolstack {

/// Guest type. Arm guests are always PVH: "pv" is converted (with a warning), "hvm" is refused.
enum class DomainType { kPvh, kPv, kHvm };

/// Interrupt controller model emulated for the guest (xl.cfg gic_version).
enum class GicVersion { kNative, kV2, kV3 };

/// What happens when the guest powers off, reboots, crashes... (xl.cfg on_poweroff & co).
enum class ShutdownAction {
    kDestroy,
    kRestart,
    kRenameRestart,
    kPreserve,
    kCoredumpDestroy,
    kCoredumpRestart,
    kSoftReset,
};

std::string_view to_string(DomainType type);
std::string_view to_string(GicVersion gic);
std::string_view to_string(ShutdownAction action);

/// Everything `xl create` needs to know about a guest.
struct DomainConfig {
    std::string name;
    Uuid uuid;                      ///< from `uuid`, else random
    bool uuid_from_config = false;  ///< true when the file gave the UUID
    DomainType type = DomainType::kPvh;
    uint64_t target_memkb = 0;      ///< `memory` (MiB) in KiB; default 32 MiB as in libxl
    uint64_t max_memkb = 0;         ///< `maxmem` in KiB; defaults to target_memkb
    unsigned vcpus = 1;             ///< vCPUs online at boot
    unsigned max_vcpus = 1;         ///< vCPUs the guest may bring up (`maxvcpus`, default vcpus)
    std::vector<CpuSet> cpus_hard;  ///< per-vCPU hard affinity; empty = may run anywhere
    std::vector<CpuSet> cpus_soft;  ///< per-vCPU soft affinity; empty = none
    std::string kernel;
    std::string ramdisk;
    std::optional<std::string> cmdline;  ///< `cmdline`, or `root=` and `extra` combined
    ShutdownAction on_poweroff = ShutdownAction::kDestroy;
    ShutdownAction on_reboot = ShutdownAction::kRestart;
    ShutdownAction on_watchdog = ShutdownAction::kDestroy;
    ShutdownAction on_crash = ShutdownAction::kDestroy;
    ShutdownAction on_soft_reset = ShutdownAction::kSoftReset;
    GicVersion gic_version = GicVersion::kNative;
    std::vector<DiskSpec> disks;
    std::vector<VifSpec> vifs;  ///< devid defaults to the index in the list
    std::optional<uint32_t> max_grant_frames;
    std::optional<uint32_t> max_maptrack_frames;
    std::optional<uint32_t> max_event_channels;
};

/// A configuration and the warnings met while reading it (unknown settings, conversions...).
struct ParsedConfig {
    DomainConfig config;
    std::vector<std::string> warnings;
};

/// Interprets already-parsed settings. Errors read "domU.cfg:7: memory: expected a number...".
Result<ParsedConfig> interpret_config(const CfgFile& file);

/// Parses `text` (named `source` in messages), then each `KEY=VALUE` override, and interprets.
Result<ParsedConfig> parse_domain_config(std::string_view text, std::string source,
                                         std::span<const std::string> overrides = {});

/// Reads the file at `path` and does what parse_domain_config does.
Result<ParsedConfig> load_domain_config(const std::string& path,
                                        std::span<const std::string> overrides = {});

}  // namespace tessera::toolstack
