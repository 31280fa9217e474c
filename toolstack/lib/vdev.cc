// vdev name decoding following xen-vbd-interface(7).
#include "toolstack/vdev.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <string>

namespace tessera::toolstack {
namespace {

struct DiskPart {
    uint32_t disk;
    uint32_t part;
};

/// Reads a decimal number without sign or leading '+' that fills `text`; nullopt otherwise.
std::optional<uint32_t> decimal(std::string_view text, uint32_t max) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) return {};
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > max) return {};
    return v;
}

/// "<prefix><letters>[<partition>]": letters count bijectively in base 26 (a=0, z=25, aa=26...).
std::optional<DiskPart> lettered(std::string_view name, std::string_view prefix, uint32_t max_disk,
                                 uint32_t max_part) {
    if (!name.starts_with(prefix)) return {};
    name.remove_prefix(prefix.size());
    uint64_t disk = 0;
    size_t n = 0;
    while (n < name.size() && name[n] >= 'a' && name[n] <= 'z') {
        disk = disk * 26 + static_cast<uint64_t>(name[n] - 'a' + 1);
        if (disk > uint64_t{max_disk} + 1) return {};
        ++n;
    }
    if (n == 0) return {};
    --disk;
    if (disk > max_disk) return {};
    uint32_t part = 0;
    if (n < name.size()) {
        if (name[n] == '0') return {};  // "xvda0" is not a valid partition name
        auto p = decimal(name.substr(n), max_part);
        if (!p) return {};
        part = *p;
    }
    return DiskPart{static_cast<uint32_t>(disk), part};
}

/// "d<disk>[p<partition>]".
std::optional<DiskPart> numbered(std::string_view name) {
    if (!name.starts_with('d')) return {};
    name.remove_prefix(1);
    const size_t p = name.find('p');
    auto disk = decimal(name.substr(0, p), (1u << 20) - 1);
    if (!disk) return {};
    uint32_t part = 0;
    if (p != std::string_view::npos) {
        auto pp = decimal(name.substr(p + 1), 255);
        if (!pp) return {};
        part = *pp;
    }
    return DiskPart{*disk, part};
}

}  // namespace

Result<uint32_t> vdev_to_devid(std::string_view vdev) {
    auto xvd = numbered(vdev);
    if (!xvd) xvd = lettered(vdev, "xvd", (1u << 20) - 1, 255);
    if (xvd) {
        if (xvd->disk <= 15 && xvd->part <= 15) return (202u << 8) | (xvd->disk << 4) | xvd->part;
        return (1u << 28) | (xvd->disk << 8) | xvd->part;
    }
    if (!vdev.empty() && std::isdigit(static_cast<unsigned char>(vdev.front()))) {
        int base = 10;
        std::string_view digits = vdev;
        if (digits.starts_with("0x") || digits.starts_with("0X")) {
            base = 16;
            digits.remove_prefix(2);
        } else if (digits.size() > 1 && digits.front() == '0') {
            base = 8;
            digits.remove_prefix(1);
        }
        uint32_t v = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
        if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size() &&
            v <= 0x7fffffffu) {
            return v;
        }
    }
    if (auto hd = lettered(vdev, "hd", 3, 63)) {
        return ((hd->disk < 2 ? 3u : 22u) << 8) | ((hd->disk & 1) << 6) | hd->part;
    }
    if (auto sd = lettered(vdev, "sd", 15, 15)) return (8u << 8) | (sd->disk << 4) | sd->part;
    return fail("invalid virtual disk name \"" + std::string(vdev) +
                "\" (expected e.g. xvda, xvdb1, sda, hdc or d0p1)");
}

}  // namespace tessera::toolstack
