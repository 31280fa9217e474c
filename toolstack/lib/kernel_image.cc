// arm64 Image header checks (Linux booting.rst) and boot module placement (as libxenguest does).
#include "toolstack/kernel_image.h"

#include <algorithm>
#include <cstring>

#include "toolstack/xen_abi.h"

namespace tessera::toolstack {
namespace {

// Offsets in the arm64 Image header (booting.rst §4).
constexpr size_t kHeaderSize = 64;
constexpr size_t kTextOffsetAt = 0x08;
constexpr size_t kImageSizeAt = 0x10;
constexpr size_t kFlagsAt = 0x18;
constexpr size_t kMagicAt = 0x38;
constexpr size_t kPeOffsetAt = 0x3c;          ///< res5: offset of the PE header of EFI-stub kernels
constexpr uint32_t kImageMagic = 0x644d5241;  ///< "ARM\x64", little endian
constexpr uint64_t kFlagBigEndian = 1;
constexpr uint64_t kLegacyTextOffset = 0x80000;  ///< booting.rst: assumed when image_size is 0

constexpr uint64_t kPageSize = uint64_t{1} << 12;  // XC_PAGE_SIZE
constexpr uint64_t k2MiB = uint64_t{2} << 20;
constexpr uint64_t kModulesAt = 128 << 20;  ///< libxenguest's preferred initrd+DTB offset

uint64_t round_up(uint64_t v, uint64_t align) {
    return (v + align - 1) & ~(align - 1);
}

template <typename T>
T read_le(std::span<const std::byte> data, size_t at) {
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
        v |= static_cast<T>(static_cast<T>(std::to_integer<uint8_t>(data[at + i])) << (8 * i));
    }
    return v;
}

/// EFI-stub kernels carry a PE/COFF header: its section table says how long the file must be.
Result<void> check_pe_length(std::span<const std::byte> data, const std::string& name) {
    if (read_le<uint16_t>(data, 0) != 0x5a4d) return {};  // no "MZ": not an EFI-stub kernel
    const uint64_t pe = read_le<uint32_t>(data, kPeOffsetAt);
    auto truncated = [&](uint64_t needed) {
        return fail(name + ": truncated: the file has " + std::to_string(data.size()) +
                    " bytes but its PE/COFF header describes " + std::to_string(needed));
    };
    if (pe + 24 > data.size()) return truncated(pe + 24);
    if (read_le<uint32_t>(data, pe) != 0x00004550) return {};  // no "PE\0\0": nothing to check
    const uint64_t sections = read_le<uint16_t>(data, pe + 6);
    const uint64_t table = pe + 24 + read_le<uint16_t>(data, pe + 20);
    if (table + sections * 40 > data.size()) return truncated(table + sections * 40);
    uint64_t end = 0;
    for (uint64_t i = 0; i < sections; ++i) {
        const uint64_t s = table + i * 40;
        end =
            std::max(end, uint64_t{read_le<uint32_t>(data, s + 20)} +
                              read_le<uint32_t>(data, s + 16));  // PointerToRawData + SizeOfRawData
    }
    if (end > data.size()) return truncated(end);
    return {};
}

}  // namespace

Result<KernelImage> parse_kernel_image(std::span<const std::byte> data, const std::string& name) {
    auto starts_with = [&](std::initializer_list<uint8_t> bytes) {
        if (data.size() < bytes.size()) return false;
        size_t i = 0;
        for (uint8_t b : bytes) {
            if (std::to_integer<uint8_t>(data[i++]) != b) return false;
        }
        return true;
    };
    if (starts_with({0x1f, 0x8b})) {
        return fail(name + ": is gzip-compressed: decompress it to an Image first (zcat " + name +
                    " > Image)");
    }
    if (starts_with({0x7f, 'E', 'L', 'F'})) {
        return fail(name +
                    ": is an ELF file (vmlinux?): use the arm64 Image (arch/arm64/boot/Image)");
    }
    if (data.size() < kHeaderSize) {
        return fail(name + ": truncated: " + std::to_string(data.size()) +
                    " bytes is too short for an arm64 Image header (64 bytes)");
    }
    if (read_le<uint32_t>(data, kMagicAt) != kImageMagic) {
        return fail(name + ": not an arm64 Linux Image (no \"ARM\\x64\" magic at offset 0x38)");
    }
    KernelImage image;
    image.text_offset = read_le<uint64_t>(data, kTextOffsetAt);
    image.image_size = read_le<uint64_t>(data, kImageSizeAt);
    image.flags = read_le<uint64_t>(data, kFlagsAt);
    image.file_size = data.size();
    if (image.image_size == 0) {
        image.text_offset = kLegacyTextOffset;  // pre-3.17 header: endianness of the field unknown
        image.flags = 0;
    }
    if (image.flags & kFlagBigEndian)
        return fail(name + ": is a big-endian kernel; guests are little-endian");
    if (image.text_offset >= k2MiB || image.text_offset % kPageSize != 0) {
        return fail(name + ": implausible text_offset " + std::to_string(image.text_offset));
    }
    if (auto r = check_pe_length(data, name); !r) return std::unexpected(r.error());
    return image;
}

Result<BootLayout> plan_boot_layout(const KernelImage& kernel, uint64_t ram_bytes,
                                    uint64_t ramdisk_size, uint64_t dtb_size) {
    static_assert(GUEST_RAM0_BASE % k2MiB == 0, "the kernel base must be 2 MiB aligned");
    if (dtb_size == 0 || dtb_size > kMaxDtbSize) {
        return fail("device tree of " + std::to_string(dtb_size) +
                    " bytes: must be 1 byte to 2 MiB");
    }
    const uint64_t bank0_end = GUEST_RAM0_BASE + std::min<uint64_t>(ram_bytes, GUEST_RAM0_SIZE);
    BootLayout layout;
    layout.kernel = {GUEST_RAM0_BASE + kernel.text_offset, kernel.footprint()};
    layout.entry = layout.kernel.base;
    const uint64_t kernel_end = round_up(layout.kernel.end(), k2MiB);
    const uint64_t ramdisk = round_up(ramdisk_size, kPageSize);
    const uint64_t dtb = round_up(dtb_size, kPageSize);
    const uint64_t modules = ramdisk + dtb;
    auto mib = [](uint64_t b) { return std::to_string((b + (1 << 20) - 1) >> 20) + " MiB"; };
    auto too_small = [&] {
        return fail("guest memory too small: " + mib(ram_bytes) + " cannot hold the kernel (" +
                    mib(kernel_end - GUEST_RAM0_BASE) + " with its alignment)" +
                    (ramdisk ? ", the initrd (" + mib(ramdisk) + ")" : std::string()) +
                    " and the device tree");
    };
    const uint64_t preferred = GUEST_RAM0_BASE + kModulesAt;
    uint64_t base = 0;
    if (kernel_end > bank0_end) {
        return too_small();
    } else if (bank0_end >= preferred + modules && kernel_end < preferred) {
        base = preferred;
    } else if (bank0_end - kernel_end > modules) {
        base = bank0_end - modules;
    } else if (layout.kernel.base - GUEST_RAM0_BASE > modules) {
        base = layout.kernel.base - modules;
    } else {
        return too_small();
    }
    if (ramdisk) {
        layout.ramdisk = GuestRange{base, ramdisk_size};
        base += ramdisk;
    }
    layout.dtb = {base, dtb_size};
    return layout;
}

}  // namespace tessera::toolstack
