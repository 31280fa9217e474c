// arm64 Linux Image header parsing and the placement of kernel, initrd and DTB in guest RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// What the 64-byte header of an arm64 Image says (Linux Documentation/arm64/booting.rst §4).
struct KernelImage {
    uint64_t text_offset = 0;  ///< load offset from a 2 MiB aligned base
    uint64_t image_size = 0;   ///< bytes the kernel needs from its start, BSS included (0: legacy)
    uint64_t flags = 0;        ///< bit 0 big-endian, bits 1-2 page size, bit 3 placement
    uint64_t file_size = 0;    ///< bytes in the file

    /// Bytes to keep free from the load address: image_size, or the file for legacy images.
    uint64_t footprint() const { return image_size > file_size ? image_size : file_size; }
};

/// Parses and checks an Image held in memory; `name` (the file name) starts every message.
/// Refuses non-Image files (gzip, ELF, anything without the "ARM\x64" magic at 0x38), big-endian
/// kernels, and files shorter than their header or than their PE/COFF sections say.
Result<KernelImage> parse_kernel_image(std::span<const std::byte> data, const std::string& name);

/// A guest-physical address range.
struct GuestRange {
    uint64_t base = 0;
    uint64_t size = 0;
    uint64_t end() const { return base + size; }
};

/// Where boot images go in guest RAM, and where the boot CPU starts.
struct BootLayout {
    GuestRange kernel;                  ///< load address, and footprint() bytes
    std::optional<GuestRange> ramdisk;  ///< exact size; the next module starts a page later
    GuestRange dtb;                     ///< exact size, page aligned
    uint64_t entry = 0;                 ///< PC of vCPU 0: the first byte of the Image
};

/// Largest DTB the arm64 boot protocol accepts (booting.rst: "must not exceed 2 megabytes").
inline constexpr uint64_t kMaxDtbSize = 2u << 20;

/// Plans placement the way Xen's libxenguest does for Arm guests: the kernel at the start of RAM
/// bank 0 (2 MiB aligned) plus text_offset; the initrd then the DTB together at 128 MiB when the
/// kernel ends below it and RAM allows, else at the top of bank 0, else just below the kernel.
Result<BootLayout> plan_boot_layout(const KernelImage& kernel, uint64_t ram_bytes,
                                    uint64_t ramdisk_size, uint64_t dtb_size);

}  // namespace tessera::toolstack
