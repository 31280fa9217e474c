// vifspec parsing with the semantics documented in Xen's xl-network-configuration(5).
#include "toolstack/vif_spec.h"

#include <charconv>
#include <cstdio>
#include <limits>

namespace tessera::toolstack {
namespace {

/// Reads an unsigned decimal number at the start of `text`, advancing past it.
std::optional<uint64_t> leading_number(std::string_view& text) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    return v;
}

Result<uint64_t> bytes_per_second(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    if (!text.ends_with("/s")) return fail("invalid rate " + quoted);
    text.remove_suffix(2);
    auto n = leading_number(text);
    if (!n) return fail("invalid rate " + quoted);
    if (*n == 0 || *n > std::numeric_limits<uint32_t>::max()) {
        return fail("rate overflow in " + quoted);
    }
    uint64_t scale = 1;
    if (!text.empty() && (text.front() == 'G' || text.front() == 'M' || text.front() == 'K')) {
        scale = text.front() == 'G' ? 1000'000'000 : text.front() == 'M' ? 1000'000 : 1000;
        text.remove_prefix(1);
    }
    if (text != "B" && text != "b") return fail("invalid rate " + quoted);
    uint64_t bytes = *n * scale;
    if (text == "b") bytes /= 8;
    return bytes;
}

Result<uint32_t> parse_interval(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    auto n = leading_number(text);
    if (!n) return fail("invalid replenishment interval " + quoted);
    uint64_t scale = 0;
    if (text.empty() || text == "s") {
        scale = 1000'000;
    } else if (text == "ms" || text == "m") {  // the unit's 's' is optional, as in xl
        scale = 1000;
    } else if (text == "us" || text == "u") {
        scale = 1;
    } else {
        return fail("invalid replenishment interval " + quoted);
    }
    if (*n == 0 || *n > std::numeric_limits<uint32_t>::max() / scale) {
        return fail("replenishment interval overflow in " + quoted);
    }
    return static_cast<uint32_t>(*n * scale);
}

Result<uint32_t> small_number(std::string_view key, std::string_view text) {
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return fail(std::string(key) + ": expected a number, got \"" + std::string(text) + "\"");
    }
    return v;
}

}  // namespace

std::string to_string(const MacAddress& mac) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

Result<MacAddress> parse_mac(std::string_view text) {
    MacAddress mac{};
    std::string_view rest = text;
    for (size_t i = 0; i < mac.size(); ++i) {
        if (i > 0) {
            if (!rest.starts_with(':')) break;
            rest.remove_prefix(1);
        }
        unsigned v = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v, 16);
        const auto len = static_cast<size_t>(end - rest.data());
        if (ec != std::errc() || len == 0 || len > 2) break;
        mac[i] = static_cast<uint8_t>(v);
        rest.remove_prefix(len);
        if (i + 1 == mac.size() && rest.empty()) return mac;
    }
    return fail("invalid MAC address \"" + std::string(text) +
                "\" (expected six hex bytes such as 00:16:3e:12:34:56)");
}

Result<VifRate> VifRate::parse(std::string_view text) {
    const size_t at = text.find('@');
    const std::string_view rate = text.substr(0, at);
    if (rate.empty()) return fail("no rate specified in \"" + std::string(text) + "\"");
    auto bytes = bytes_per_second(rate);
    if (!bytes) return std::unexpected(bytes.error());
    uint32_t usecs = 50'000;
    if (at != std::string_view::npos) {
        auto i = parse_interval(text.substr(at + 1));
        if (!i) return std::unexpected(i.error());
        usecs = *i;
    }
    return VifRate{*bytes * usecs / 1000'000, usecs};
}

Result<VifSpec> VifSpec::parse(std::string_view spec, std::vector<std::string>& warnings) {
    VifSpec vif;
    size_t start = 0;
    while (start < spec.size()) {
        size_t comma = spec.find(',', start);
        if (comma == std::string_view::npos) comma = spec.size();
        std::string_view token = spec.substr(start, comma - start);
        start = comma + 1;
        while (token.starts_with(' ')) token.remove_prefix(1);
        if (token.empty()) continue;
        if (token == "trusted" || token == "untrusted") {
            vif.trusted = token == "trusted";
            continue;
        }
        const size_t eq = token.find('=');
        const std::string_view key = token.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : token.substr(eq + 1);
        if (eq == std::string_view::npos) {
            warnings.push_back("vif: unrecognized argument \"" + std::string(token) + "\"");
            continue;
        }
        std::string* text_field = key == "bridge"       ? &vif.bridge
                                  : key == "ip"         ? &vif.ip
                                  : key == "model"      ? &vif.model
                                  : key == "vifname"    ? &vif.vifname
                                  : key == "script"     ? &vif.script
                                  : key == "backend"    ? &vif.backend
                                  : key == "gatewaydev" ? &vif.gatewaydev
                                  : key == "netdev"     ? &vif.gatewaydev
                                                        : nullptr;
        if (text_field) {
            *text_field = std::string(value);
            if (key == "netdev") warnings.push_back("vif: netdev is deprecated, use gatewaydev");
        } else if (key == "mac") {
            auto mac = parse_mac(value);
            if (!mac) return std::unexpected(mac.error());
            if ((*mac)[0] & 1) {
                return fail("mac: " + std::string(value) + " is a multicast address");
            }
            vif.mac = *mac;
        } else if (key == "type") {
            if (value != "vif" && value != "ioemu") {
                return fail("type: expected \"vif\" or \"ioemu\", got \"" + std::string(value) +
                            "\"");
            }
            vif.type = std::string(value);
        } else if (key == "rate") {
            auto rate = VifRate::parse(value);
            if (!rate) return fail("rate: " + rate.error().message);
            vif.rate = *rate;
        } else if (key == "mtu" || key == "devid") {
            auto n = small_number(key, value);
            if (!n) return std::unexpected(n.error());
            if (key == "mtu" && (*n < 68 || *n > 65535)) {
                return fail("mtu: " + std::to_string(*n) + " is out of range (68-65535)");
            }
            (key == "mtu" ? vif.mtu : vif.devid) = *n;
        } else {
            warnings.push_back("vif: unrecognized argument \"" + std::string(token) + "\"");
        }
    }
    return vif;
}

}  // namespace tessera::toolstack
