// DISKSPEC parsing with the semantics documented in Xen's xl-disk-configuration(5).
#include "toolstack/disk_spec.h"

#include <algorithm>
#include <array>
#include <utility>

#include "toolstack/vdev.h"

namespace tessera::toolstack {
namespace {

constexpr std::array<std::pair<std::string_view, DiskFormat>, 6> kFormats{{
    {"raw", DiskFormat::kRaw},
    {"qcow", DiskFormat::kQcow},
    {"qcow2", DiskFormat::kQcow2},
    {"vhd", DiskFormat::kVhd},
    {"qed", DiskFormat::kQed},
    {"empty", DiskFormat::kEmpty},
}};

constexpr std::array<std::pair<std::string_view, DiskBackendType>, 5> kBackendTypes{{
    {"auto", DiskBackendType::kAuto},
    {"phy", DiskBackendType::kPhy},
    {"tap", DiskBackendType::kTap},
    {"qdisk", DiskBackendType::kQdisk},
    {"standalone", DiskBackendType::kStandalone},
}};

template <typename Table>
auto lookup(const Table& table, std::string_view name) -> std::optional<decltype(table[0].second)> {
    for (const auto& [text, value] : table) {
        if (text == name) return value;
    }
    return std::nullopt;
}

template <typename Table, typename E>
std::string_view name_of(const Table& table, E value) {
    for (const auto& [text, v] : table) {
        if (v == value) return text;
    }
    return "?";
}

bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/// State while reading one DISKSPEC: what was set explicitly, to catch respecification.
class DiskParser {
public:
    explicit DiskParser(std::string_view spec) : spec_(spec) {}

    Result<DiskSpec> run() {
        std::string_view rest = spec_;
        while (!rest.empty() && !error_) {
            while (!rest.empty() &&
                   (rest.front() == ' ' || rest.front() == '\t' || rest.front() == '\n')) {
                rest.remove_prefix(1);
            }
            if (rest.empty()) break;
            if (rest.starts_with("target=")) {  // swallows the rest, commas included
                std::string_view value = rest.substr(7);
                if (value.ends_with(',')) value.remove_suffix(1);
                set_string("target", target_, value);
                break;
            }
            if (auto prefix = deprecated_prefix(rest)) {
                rest.remove_prefix(*prefix);
                continue;
            }
            const size_t comma = rest.find(',');
            std::string_view token = rest.substr(0, comma);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            parameter(token);
        }
        if (error_) return std::unexpected(*error_);
        return finish();
    }

private:
    void err(std::string_view what, std::string_view near = {}) {
        if (error_) return;
        std::string msg = "disk spec \"" + std::string(spec_) + "\": " + std::string(what);
        if (!near.empty()) msg += " \"" + std::string(near) + "\"";
        error_ = Error{msg};
    }

    void set_string(std::string_view what, std::optional<std::string>& slot,
                    std::string_view value) {
        if (slot && !slot->empty()) return err(std::string(what) + " respecified", value);
        slot = std::string(value);
    }

    void set_format(std::string_view value) {
        auto f = value.empty() ? std::optional{DiskFormat::kRaw} : lookup(kFormats, value);
        if (!f) return err("unknown value for format", value);
        if (format_ && *format_ != *f) return err("format respecified", value);
        format_ = *f;
    }

    void set_access(std::string_view value) {
        if (value == "r" || value == "ro") {
            out_.readwrite = false;
        } else if (value == "w" || value == "rw" || value.empty()) {
            out_.readwrite = true;
        } else {
            err("unknown value for access", value);
        }
    }

    /// "<vdev>:<devtype>" (deprecated); returns false if `token` has no colon.
    bool vdev_with_devtype(std::string_view token) {
        const size_t colon = token.rfind(':');
        if (colon == std::string_view::npos) return false;
        set_string("vdev", vdev_, token.substr(0, colon));
        const std::string_view type = token.substr(colon + 1);
        if (type == "cdrom") {
            out_.cdrom = true;
        } else if (type == "disk") {
            out_.cdrom = false;
        } else {
            err("unknown deprecated device type", type);
        }
        return true;
    }

    /// Length of a deprecated "xxx:" prefix at the start of `rest`, after applying it.
    std::optional<size_t> deprecated_prefix(std::string_view rest) {
        size_t n = 0;
        while (n < rest.size() && ((rest[n] >= 'a' && rest[n] <= 'z') ||
                                   (n > 0 && rest[n] >= '0' && rest[n] <= '9'))) {
            ++n;
        }
        if (n == 0 || n >= rest.size() || rest[n] != ':') return std::nullopt;
        const std::string_view name = rest.substr(0, n);
        const char after = n + 1 < rest.size() ? rest[n + 1] : '\0';
        if (name == "raw" || name == "qcow" || name == "qcow2" || name == "vhd") {
            set_format(name);
        } else if (name == "iscsi" || name == "nbd" || name == "enbd" || name == "drbd") {
            set_string("script", script_, "block-" + std::string(name));
        } else if (name == "tapdisk" || name == "tap" || name == "tap2" || name == "aio" ||
                   name == "ioemu" || name == "file" || name == "phy") {
            // Stripped and ignored, as xl does.
        } else if ((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9')) {
            return std::nullopt;  // "hdc:cdrom" and the like: a positional parameter
        } else {
            err("unknown deprecated disk prefix", rest.substr(0, n + 1));
        }
        had_prefix_ = true;
        return n + 1;
    }

    void parameter(std::string_view token) {
        static constexpr std::array<std::string_view, 6> kIgnoredColo{
            "colo", "no-colo", "colo-host", "colo-port", "colo-export", "active-disk"};
        const size_t eq = token.find('=');
        if (eq == std::string_view::npos) {
            if (token == "cdrom") return void(out_.cdrom = true);
            if (token == "direct-io-safe") return void(out_.direct_io_safe = true);
            if (token == "discard" || token == "no-discard") {
                return void(out_.discard = token == "discard");
            }
            if (token == "trusted" || token == "untrusted") {
                return void(out_.trusted = token == "trusted");
            }
            if (std::find(kIgnoredColo.begin(), kIgnoredColo.end(), token) != kIgnoredColo.end()) {
                return err("COLO replication is not supported", token);
            }
            return positional(token);
        }
        const std::string_view key = token.substr(0, eq);
        const std::string_view value = token.substr(eq + 1);
        if (key == "format") return set_format(value);
        if (key == "vdev") return set_string("vdev", vdev_, value);
        if (key == "access") return set_access(value);
        if (key == "backend") return void(out_.backend = std::string(value));
        if (key == "script") return set_string("script", script_, value);
        if (key == "devtype") {
            if (value == "cdrom" || value == "disk") return void(out_.cdrom = value == "cdrom");
            return err("unknown value for devtype", value);
        }
        if (key == "backendtype") {
            auto t = lookup(kBackendTypes, value);
            if (!t || *t == DiskBackendType::kAuto)
                return err("unknown value for backendtype", value);
            return void(out_.backendtype = *t);
        }
        if (key == "specification") {
            if (value == "xen") return void(out_.specification = DiskSpecification::kXen);
            if (value == "virtio") return void(out_.specification = DiskSpecification::kVirtio);
            return err("unknown value for specification", value);
        }
        if (!key.empty() && key.front() >= 'a' && key.front() <= 'z' &&
            std::all_of(key.begin(), key.end(), is_key_char)) {
            return err("unknown parameter", key);
        }
        err("bad disk syntax", token);
    }

    void positional(std::string_view token) {
        if (!target_) {
            target_ = std::string(token);
        } else if (!had_prefix_ && !format_) {
            if (target_->empty() && vdev_with_devtype(token)) {
                format_ = DiskFormat::kEmpty;
            } else {
                set_format(token);
            }
        } else if (!vdev_) {
            if (!vdev_with_devtype(token)) vdev_ = std::string(token);
        } else if (!access_set_) {
            access_set_ = true;
            set_access(token);
        } else {
            err("too many positional parameters", token);
        }
    }

    Result<DiskSpec> finish() {
        out_.target = target_.value_or("");
        out_.script = script_.value_or("");
        out_.format = format_.value_or(DiskFormat::kRaw);
        if (out_.cdrom) {
            out_.readwrite = false;
            if (out_.target.empty()) out_.format = DiskFormat::kEmpty;
        }
        if (!vdev_ || vdev_->empty())
            return fail("disk spec \"" + std::string(spec_) + "\": no vdev specified");
        out_.vdev = *vdev_;
        if (out_.target.empty() && !out_.cdrom) {
            return fail("disk spec \"" + std::string(spec_) +
                        "\": no target specified (and device not a removable cdrom)");
        }
        auto devid = vdev_to_devid(out_.vdev);
        if (!devid)
            return fail("disk spec \"" + std::string(spec_) + "\": " + devid.error().message);
        out_.devid = *devid;
        return out_;
    }

    std::string_view spec_;
    DiskSpec out_;
    std::optional<std::string> target_, vdev_, script_;
    std::optional<DiskFormat> format_;
    bool had_prefix_ = false;
    bool access_set_ = false;
    std::optional<Error> error_;
};

}  // namespace

Result<DiskSpec> DiskSpec::parse(std::string_view spec) {
    return DiskParser(spec).run();
}

std::string_view to_string(DiskFormat format) {
    return name_of(kFormats, format);
}
std::string_view to_string(DiskBackendType type) {
    return name_of(kBackendTypes, type);
}
std::string_view to_string(DiskSpecification spec) {
    return spec == DiskSpecification::kXen ? "xen" : "virtio";
}

Result<void> check_servable(const DiskSpec& disk) {
    if (disk.format != DiskFormat::kRaw && disk.format != DiskFormat::kEmpty) {
        return fail("format " + std::string(to_string(disk.format)) +
                    " is not supported: Tessera's block backend serves raw images and devices");
    }
    if (disk.specification != DiskSpecification::kXen) {
        return fail("specification=virtio is not supported");
    }
    return {};
}

}  // namespace tessera::toolstack
