#include "vbd_config.hpp"

#include <array>
#include <string_view>

namespace tessera::blkback {

xen::Result<std::string> backing_target(const std::string& type, const std::string& params) {
    if (!type.empty() && type != "phy" && type != "file") {
        return xen::fail(EOPNOTSUPP, "backend type \"" + type +
                                         "\" is not served by tessera-blkback (raw phy: and "
                                         "file: targets only)");
    }
    std::string_view target = params;
    if (const auto colon = target.find(':'); colon != std::string_view::npos && colon < 8) {
        const std::string_view prefix = target.substr(0, colon);
        static constexpr std::array<std::string_view, 4> kRaw{"phy", "file", "aio", "raw"};
        static constexpr std::array<std::string_view, 8> kOther{"qcow", "qcow2", "vhd", "qed",
                                                                "tap", "tap2", "tapdisk", "vdi"};
        bool known = false;
        for (const auto p : kRaw) known = known || p == prefix;
        if (known) {
            target.remove_prefix(colon + 1);
        } else {
            for (const auto p : kOther) {
                if (p == prefix) {
                    return xen::fail(EOPNOTSUPP, "format \"" + std::string(prefix) +
                                                     "\" is not supported: raw images only");
                }
            }
        }
    }
    if (target.empty()) return xen::fail(ENOMEDIUM, "no backing store (empty params)");
    return std::string(target);
}

xen::Result<VbdConfig> read_vbd_config(const NodeReader& read) {
    VbdConfig config;
    const auto frontend = read("frontend");
    const auto frontend_id = read("frontend-id");
    if (!frontend || frontend->empty() || !frontend_id) {
        return xen::fail(ENOENT, "no frontend or frontend-id");
    }
    const auto id = parse_number(*frontend_id, DOMID_FIRST_RESERVED - 1);
    if (!id) return xen::fail(EINVAL, "frontend-id \"" + *frontend_id + "\" is invalid");
    config.frontend = *frontend;
    config.frontend_id = static_cast<domid_t>(*id);
    if (const auto format = read("format"); format && !format->empty() && *format != "raw") {
        return xen::fail(EOPNOTSUPP, "format \"" + *format + "\" is not supported: raw only");
    }
    auto target = backing_target(read("type").value_or(""), read("params").value_or(""));
    if (!target) return std::unexpected(target.error());
    config.target = *target;
    const std::string mode = read("mode").value_or("r");
    if (mode != "r" && !mode.starts_with('w')) {
        return xen::fail(EINVAL, "mode \"" + mode + "\" is neither r nor w");
    }
    config.writable = mode.starts_with('w');
    config.cdrom = read("device-type").value_or("disk") == "cdrom";
    config.removable = read("removable").value_or("0") == "1";
    if (const auto discard = read("discard-enable")) config.discard_enable = *discard != "0";
    return config;
}

}  // namespace tessera::blkback
