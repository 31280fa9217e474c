// Virtual block device names (xvda, xvdb2, sda, hdc, d0p1 ...) and their xenstore numbers.
#pragma once

#include <cstdint>
#include <string_view>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// The device number a vdev name encodes in xenstore (Xen's xen-vbd-interface(7)):
///   202 << 8 | disk << 4 | part   xvd, disks and partitions up to 15
///   1 << 28 | disk << 8 | part    xvd and dNpM beyond that (disk < 2^20, part < 256)
///   8 << 8 | disk << 4 | part     sd, disks and partitions up to 15
///   3 << 8 / 22 << 8 | (disk & 1) << 6 | part   hd, disks 0..3, partitions up to 63
/// A bare number (decimal, 0x hex or 0 octal) is taken as the device number itself.
Result<uint32_t> vdev_to_devid(std::string_view vdev);

}  // namespace tessera::toolstack
