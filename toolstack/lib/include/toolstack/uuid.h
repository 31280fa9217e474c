// Domain UUIDs (xen_domain_handle_t) in their canonical text form.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// 128-bit domain handle, as Xen's xen_domain_handle_t holds it.
struct Uuid {
    std::array<uint8_t, 16> bytes{};

    /// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex digits in either case).
    static Result<Uuid> parse(std::string_view text);

    /// A random (version 4, RFC 4122 variant) UUID from the system's entropy source.
    static Uuid random();

    /// Lower-case canonical form.
    std::string str() const;

    bool operator==(const Uuid&) const = default;
};

}  // namespace tessera::toolstack
