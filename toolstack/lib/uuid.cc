// UUID text conversion and generation (RFC 4122 §3 text form, §4.4 random UUIDs).
#include "toolstack/uuid.h"

#include <charconv>
#include <cstdio>
#include <random>

namespace tessera::toolstack {

Result<Uuid> Uuid::parse(std::string_view text) {
    static constexpr std::string_view kShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    auto bad = [&] { return fail("invalid UUID \"" + std::string(text) + "\""); };
    if (text.size() != kShape.size()) return bad();
    Uuid uuid;
    size_t byte = 0;
    for (size_t i = 0; i < text.size();) {
        if (kShape[i] == '-') {
            if (text[i] != '-') return bad();
            ++i;
            continue;
        }
        unsigned v = 0;
        auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
        if (ec != std::errc() || end != text.data() + i + 2) return bad();
        uuid.bytes[byte++] = static_cast<uint8_t>(v);
        i += 2;
    }
    return uuid;
}

Uuid Uuid::random() {
    std::random_device entropy;
    Uuid uuid;
    for (size_t i = 0; i < uuid.bytes.size(); i += 4) {
        const uint32_t word = entropy();
        for (size_t j = 0; j < 4; ++j) uuid.bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
    uuid.bytes[6] = static_cast<uint8_t>((uuid.bytes[6] & 0x0f) | 0x40);  // version 4
    uuid.bytes[8] = static_cast<uint8_t>((uuid.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return uuid;
}

std::string Uuid::str() const {
    char buf[37];
    const auto& b = bytes;
    std::snprintf(buf, sizeof buf,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return buf;
}

}  // namespace tessera::toolstack
