// arm64 Image headers (synthetic and, when present, the Debian kernel) and boot placement.
#include "toolstack/kernel_image.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "toolstack/xen_abi.h"

using namespace tessera::toolstack;

namespace {

void put_le(std::vector<std::byte>& d, size_t at, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) d[at + i] = std::byte(static_cast<uint8_t>(v >> (8 * i)));
}

/// A file with a valid Image header and `size` bytes in all.
std::vector<std::byte> image(uint64_t text_offset, uint64_t image_size, size_t size = 4096,
                             uint64_t flags = 0xa) {
    std::vector<std::byte> d(size);
    put_le(d, 0x08, text_offset, 8);
    put_le(d, 0x10, image_size, 8);
    put_le(d, 0x18, flags, 8);
    put_le(d, 0x38, 0x644d5241, 4);
    return d;
}

constexpr uint64_t kMiB = 1 << 20;

}  // namespace

TEST_CASE("image: header fields") {
    auto k = parse_kernel_image(image(0, 30 * kMiB, 20 * kMiB / 4), "Image");
    REQUIRE(k.has_value());
    REQUIRE(k->text_offset == 0);
    REQUIRE(k->image_size == 30 * kMiB);
    REQUIRE(k->flags == 0xa);
    REQUIRE(k->footprint() == 30 * kMiB);
    auto legacy = parse_kernel_image(image(0x1234, 0, 8192), "old");
    REQUIRE(legacy->text_offset == 0x80000);  // image_size 0: text_offset is assumed, not read
    REQUIRE(legacy->footprint() == 8192);
}

TEST_CASE("image: what is not an Image is refused clearly") {
    auto err = [](std::vector<std::byte> d) { return parse_kernel_image(d, "k").error().message; };
    REQUIRE(err(std::vector<std::byte>(10)) ==
            "k: truncated: 10 bytes is too short for an arm64 Image header (64 bytes)");
    REQUIRE(err(std::vector<std::byte>(4096)) ==
            "k: not an arm64 Linux Image (no \"ARM\\x64\" magic at offset 0x38)");
    auto gz = image(0, 4096);
    gz[0] = std::byte{0x1f};
    gz[1] = std::byte{0x8b};
    REQUIRE(err(gz).find("gzip-compressed") != std::string::npos);
    auto elf = image(0, 4096);
    elf[0] = std::byte{0x7f};
    elf[1] = std::byte{'E'};
    elf[2] = std::byte{'L'};
    elf[3] = std::byte{'F'};
    REQUIRE(err(elf).find("ELF") != std::string::npos);
    REQUIRE(err(image(0, 4096, 4096, 0xb)) ==
            "k: is a big-endian kernel; guests are little-endian");
    REQUIRE(err(image(0x200000, 4096)).find("implausible text_offset") != std::string::npos);
}

TEST_CASE("image: an EFI-stub kernel shorter than its PE sections is truncated") {
    auto d = image(0, 64 * 1024, 8192);
    put_le(d, 0, 0x5a4d, 2);         // "MZ"
    put_le(d, 0x3c, 0x40, 4);        // PE header right after the Image header
    put_le(d, 0x40, 0x00004550, 4);  // "PE\0\0"
    put_le(d, 0x46, 1, 2);           // one section
    put_le(d, 0x54, 0, 2);           // no optional header: section table at 0x58
    put_le(d, 0x58 + 16, 4096, 4);   // SizeOfRawData
    put_le(d, 0x58 + 20, 4096, 4);   // PointerToRawData: ends at 8192, the file's size
    REQUIRE(parse_kernel_image(d, "k").has_value());
    d.resize(8000);
    REQUIRE(parse_kernel_image(d, "k").error().message ==
            "k: truncated: the file has 8000 bytes but its PE/COFF header describes 8192");
}

TEST_CASE("placement: modules at 128 MiB when RAM allows") {
    auto k = *parse_kernel_image(image(0, 40 * kMiB), "Image");
    auto l = plan_boot_layout(k, 256 * kMiB, 5 * kMiB + 1, 3000);
    REQUIRE(l.has_value());
    REQUIRE(l->kernel.base == GUEST_RAM0_BASE);
    REQUIRE(l->entry == GUEST_RAM0_BASE);
    REQUIRE(l->kernel.size == 40 * kMiB);
    REQUIRE(l->ramdisk->base == GUEST_RAM0_BASE + 128 * kMiB);
    REQUIRE(l->ramdisk->size == 5 * kMiB + 1);
    REQUIRE(l->dtb.base == GUEST_RAM0_BASE + 128 * kMiB + 5 * kMiB + 4096);  // page after initrd
    REQUIRE(l->dtb.size == 3000);
    REQUIRE(l->dtb.base % 8 == 0);
}

TEST_CASE("placement: text_offset, small RAM, no initrd") {
    auto k = *parse_kernel_image(image(0x80000, 0, 8 * kMiB), "Image");
    auto l = plan_boot_layout(k, 64 * kMiB, 0, 4096);
    REQUIRE(l.has_value());
    REQUIRE(l->kernel.base == GUEST_RAM0_BASE + 0x80000);
    REQUIRE_FALSE(l->ramdisk.has_value());
    REQUIRE(l->dtb.base == GUEST_RAM0_BASE + 64 * kMiB - 4096);  // top of a 64 MiB bank
}

TEST_CASE("placement: guest memory too small") {
    auto k = *parse_kernel_image(image(0, 60 * kMiB), "Image");
    REQUIRE(plan_boot_layout(k, 128 * kMiB, 16 * kMiB, 4096).has_value());
    auto e = plan_boot_layout(k, 64 * kMiB, 16 * kMiB, 4096);
    REQUIRE_FALSE(e.has_value());
    REQUIRE(e.error().message ==
            "guest memory too small: 64 MiB cannot hold the kernel (60 MiB with its alignment), "
            "the initrd (16 MiB) and the device tree");
    REQUIRE_FALSE(plan_boot_layout(k, 32 * kMiB, 0, 4096).has_value());
    REQUIRE_FALSE(plan_boot_layout(k, 256 * kMiB, 0, 3 * kMiB).has_value());  // DTB over 2 MiB
}

TEST_CASE("image: the Debian arm64 kernel, if cached") {
    const std::filesystem::path dir = TESSERA_KERNEL_DIR;
    std::filesystem::path found;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().filename().string().starts_with("vmlinuz-")) found = e.path();
    }
    if (found.empty()) {
        WARN("skipped: no vmlinuz-* in " << dir << " (scripts/setup fetches the Debian kernel)");
        return;
    }
    std::ifstream in(found, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> data(bytes.size());
    std::memcpy(data.data(), bytes.data(), bytes.size());
    auto k = parse_kernel_image(data, found.string());
    INFO(found);
    REQUIRE(k.has_value());
    REQUIRE(k->text_offset == 0);            // Linux >= 5.8 loads at the 2 MiB boundary
    REQUIRE(k->image_size >= k->file_size);  // BSS comes after the file's contents
    REQUIRE((k->flags & 1) == 0);            // little-endian
    REQUIRE(((k->flags >> 1) & 3) == 1);     // 4 KiB pages (Debian's arm64 build)
    auto l = plan_boot_layout(*k, 256 * kMiB, 20 * kMiB, 8192);
    REQUIRE(l.has_value());
    REQUIRE(l->ramdisk->base >= l->kernel.end());

    data.resize(data.size() / 2);
    auto cut = parse_kernel_image(data, "half");
    REQUIRE_FALSE(cut.has_value());
    REQUIRE(cut.error().message.starts_with("half: truncated"));
}
