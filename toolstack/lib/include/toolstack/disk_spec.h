// One entry of xl.cfg's disk=[...] list, in xl-disk-configuration(5) syntax.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "toolstack/result.h"

namespace tessera::toolstack {

enum class DiskFormat { kRaw, kQcow, kQcow2, kVhd, kQed, kEmpty };
enum class DiskBackendType { kAuto, kPhy, kTap, kQdisk, kStandalone };
enum class DiskSpecification { kXen, kVirtio };

/// A parsed DISKSPEC: positional `target,format,vdev,access` and/or `key=value` parameters,
/// with the deprecated `phy:`/`file:`/`raw:`... prefixes and `vdev:cdrom` forms understood.
struct DiskSpec {
    std::string target;  ///< host path or script argument; empty for an empty CD-ROM drive
    DiskFormat format = DiskFormat::kRaw;
    std::string vdev;       ///< name of the device in the guest (xvda, sdb1, d0p1, ...)
    uint32_t devid = 0;     ///< xenstore device number encoded by vdev (see vdev.h)
    bool readwrite = true;  ///< access=rw (default) or ro; always false for a CD-ROM
    bool cdrom = false;     ///< devtype=cdrom
    std::string backend;    ///< backend domain name; empty for dom0
    DiskBackendType backendtype = DiskBackendType::kAuto;
    DiskSpecification specification = DiskSpecification::kXen;
    std::string script;  ///< hotplug script (`script=` or a deprecated iscsi:/nbd:/drbd: prefix)
    bool direct_io_safe = false;
    std::optional<bool> discard;  ///< discard / no-discard; unset means the backend decides
    std::optional<bool> trusted;  ///< trusted / untrusted; unset means trusted

    /// Parses one DISKSPEC string; errors quote the specification and say what is wrong.
    static Result<DiskSpec> parse(std::string_view spec);
};

/// Whether Tessera's block backend can serve the disk: raw images and devices (or an empty
/// CD-ROM drive), PV (xen) specification; otherwise an error that says what is not supported.
Result<void> check_servable(const DiskSpec& disk);

std::string_view to_string(DiskFormat format);
std::string_view to_string(DiskBackendType type);
std::string_view to_string(DiskSpecification spec);

}  // namespace tessera::toolstack
