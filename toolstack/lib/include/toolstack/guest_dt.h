// The device tree an Arm guest boots with, as Xen's libxl describes a guest (xenvm-4.17).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "toolstack/kernel_image.h"
#include "toolstack/result.h"

namespace tessera::toolstack {

/// What the guest device tree describes.
struct GuestDtParams {
    unsigned nr_vcpus = 1;   ///< cpu@ nodes (the domain's max vCPUs)
    uint64_t ram_bytes = 0;  ///< split over RAM bank 0 then bank 1 of the Xen guest memory map
    std::optional<std::string> bootargs;
    std::optional<GuestRange> ramdisk;  ///< linux,initrd-start/end; {0,0} gives placeholders
    std::vector<std::byte> rng_seed;    ///< /chosen/rng-seed when not empty
};

/// Xen interface version the guest is told about (compatible "xen,xen-4.17", "xen,xenvm-4.17").
inline constexpr unsigned kXenVersionMajor = 4;
inline constexpr unsigned kXenVersionMinor = 17;

/// Bytes of GICv3 redistributor space per vCPU: the RD_base and SGI_base 64 KiB frames
/// (GICv3 architecture specification §12.10).
inline constexpr uint64_t kGicv3RedistributorStride = 2 * 0x10000;

/// MPIDR_EL1 affinity Xen gives guest vCPU `vcpu`: Aff0 = vcpu[3:0], Aff1 = vcpu[11:4]
/// (16 CPUs per cluster, as Xen's vcpuid_to_vaffinity).
uint64_t guest_vcpu_mpidr(unsigned vcpu);

/// Builds the flattened device tree blob (libfdt sequential writer).
Result<std::vector<std::byte>> build_guest_dt(const GuestDtParams& params);

}  // namespace tessera::toolstack
