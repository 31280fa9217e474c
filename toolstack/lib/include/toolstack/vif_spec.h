// One entry of xl.cfg's vif=[...] list, in xl-network-configuration(5) syntax.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "toolstack/result.h"

namespace tessera::toolstack {

/// A 48-bit Ethernet address.
using MacAddress = std::array<uint8_t, 6>;

/// "aa:bb:cc:dd:ee:ff" from a MAC address.
std::string to_string(const MacAddress& mac);

/// Parses six colon-separated hex bytes ("00:16:3e:74:3d:76"), case-insensitively.
Result<MacAddress> parse_mac(std::string_view text);

/// Credit-based transmit limit: `rate=10Mb/s@20ms` sends at most bytes_per_interval every
/// interval_usecs microseconds (default interval 50 ms).
struct VifRate {
    uint64_t bytes_per_interval = 0;
    uint32_t interval_usecs = 0;

    /// Parses RATE[@INTERVAL]: RATE is N{GB,MB,KB,B,Gb,Mb,Kb,b}/s, INTERVAL is N[s|ms|us].
    static Result<VifRate> parse(std::string_view text);
};

/// A parsed vifspec: comma-separated `key=value` settings and flags, all optional.
struct VifSpec {
    std::optional<MacAddress> mac;  ///< unset: the toolstack picks one in Xen's OUI 00:16:3e
    std::string bridge;             ///< empty means the default bridge (xenbr0)
    std::string ip;
    std::string type;  ///< "vif" or "ioemu" (HVM only: accepted and ignored on Arm)
    std::string model;
    std::string vifname;
    std::string script;
    std::string backend;  ///< backend domain name; empty for dom0
    std::string gatewaydev;
    std::optional<VifRate> rate;
    std::optional<uint32_t> mtu;
    std::optional<uint32_t> devid;
    std::optional<bool> trusted;

    /// Parses one vifspec. Unknown keys are not errors: each adds a line to `warnings`, as xl
    /// reports them and carries on.
    static Result<VifSpec> parse(std::string_view spec, std::vector<std::string>& warnings);
};

/// The bridge a vif joins when none is given.
inline constexpr std::string_view kDefaultBridge = "xenbr0";

}  // namespace tessera::toolstack
