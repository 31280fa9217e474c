// xl.cfg interpretation: from settings to a validated DomainConfig (Arm semantics of libxl).
#include "toolstack/domain_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "cfg_reader.h"
#include "toolstack/xen_abi.h"

namespace tessera::toolstack {
namespace {

using detail::CfgReader;

constexpr std::array<std::pair<std::string_view, ShutdownAction>, 7> kActions{{
    {"destroy", ShutdownAction::kDestroy},
    {"restart", ShutdownAction::kRestart},
    {"rename-restart", ShutdownAction::kRenameRestart},
    {"preserve", ShutdownAction::kPreserve},
    {"coredump-destroy", ShutdownAction::kCoredumpDestroy},
    {"coredump-restart", ShutdownAction::kCoredumpRestart},
    {"soft-reset", ShutdownAction::kSoftReset},
}};

/// Xen settings that would change the guest in ways Tessera cannot provide: refused, not ignored.
constexpr std::array<std::string_view, 9> kRefused{
    "bootloader", "device_tree", "dtdev", "iomem", "irqs", "pci", "vnuma", "pvshim", "tee"};

/// The largest guest RAM Xen's Arm memory map holds (arch-arm.h: both RAM banks), in MiB.
constexpr int64_t kMaxGuestMemMib = static_cast<int64_t>(GUEST_RAM_MAX >> 20);

/// libxl's default when `memory` is absent (libxl__domain_build_info_setdefault): 32 MiB.
constexpr uint64_t kDefaultMemKib = 32 * 1024;

/// Evaluates a Result; returns its error, or binds its value to `var`.
#define TRY(var, expr)                                                          \
    auto var##_result = (expr);                                                 \
    if (!var##_result) return std::unexpected(std::move(var##_result).error()); \
    auto var = std::move(*var##_result)

class Interpreter {
public:
    explicit Interpreter(const CfgFile& file) : reader_(file) {}

    Result<ParsedConfig> run() {
        for (auto step : {&Interpreter::identity, &Interpreter::type, &Interpreter::resources,
                          &Interpreter::affinity, &Interpreter::boot, &Interpreter::actions,
                          &Interpreter::devices, &Interpreter::limits, &Interpreter::refused}) {
            if (auto r = (this->*step)(); !r) return std::unexpected(r.error());
        }
        for (const CfgSetting* s : reader_.unconsulted()) {
            warnings_.push_back(s->value.where.str() + ": warning: unknown setting \"" + s->name +
                                "\" ignored");
        }
        return ParsedConfig{std::move(cfg_), std::move(warnings_)};
    }

private:
    Result<void> identity() {
        TRY(name, reader_.string("name"));
        if (!name || name->empty()) return fail("name: a domain name must be specified");
        if (std::all_of(name->begin(), name->end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return fail(where("name") + "name: \"" + *name +
                        "\" would be mistaken for a domain id; use a name with a letter in it");
        }
        cfg_.name = *name;
        TRY(uuid, reader_.string("uuid"));
        if (uuid) {
            auto parsed = Uuid::parse(*uuid);
            if (!parsed) return fail(where("uuid") + "uuid: " + parsed.error().message);
            cfg_.uuid = *parsed;
            cfg_.uuid_from_config = true;
        } else {
            cfg_.uuid = Uuid::random();
        }
        return {};
    }

    Result<void> type() {
        TRY(type, reader_.string("type"));
        TRY(builder, reader_.string("builder"));
        std::optional<DomainType> chosen;
        if (type) {
            if (*type == "pvh")
                chosen = DomainType::kPvh;
            else if (*type == "pv")
                chosen = DomainType::kPv;
            else if (*type == "hvm")
                chosen = DomainType::kHvm;
            else
                return fail(where("type") + "type: expected \"pvh\", \"pv\" or \"hvm\", got \"" +
                            *type + "\"");
        }
        if (builder) {
            DomainType from_builder;
            if (*builder == "generic")
                from_builder = DomainType::kPv;
            else if (*builder == "hvm")
                from_builder = DomainType::kHvm;
            else
                return fail(where("builder") + "builder: expected \"generic\" or \"hvm\", got \"" +
                            *builder + "\"");
            if (chosen && *chosen != from_builder) {
                return fail(where("builder") + "builder: contradicts type = \"" + *type + "\"");
            }
            chosen = from_builder;
        }
        if (chosen == DomainType::kHvm) {
            return fail(where(type ? "type" : "builder") +
                        "type: HVM guests are not supported on Arm; use type = \"pvh\"");
        }
        if (chosen == DomainType::kPv) {
            warnings_.push_back(where(type ? "type" : "builder") +
                                "warning: converting PV guest to PVH: Arm guests are PVH");
        }
        cfg_.type = DomainType::kPvh;
        return {};
    }

    Result<void> resources() {
        TRY(memory, reader_.number("memory", 1, kMaxGuestMemMib));
        TRY(maxmem, reader_.number("maxmem", 1, kMaxGuestMemMib));
        cfg_.target_memkb = memory ? static_cast<uint64_t>(*memory) * 1024 : kDefaultMemKib;
        cfg_.max_memkb = maxmem ? static_cast<uint64_t>(*maxmem) * 1024 : cfg_.target_memkb;
        if (cfg_.max_memkb < cfg_.target_memkb) {
            return fail(where("maxmem") + "maxmem: " + std::to_string(cfg_.max_memkb / 1024) +
                        " MiB is less than memory (" + std::to_string(cfg_.target_memkb / 1024) +
                        " MiB)");
        }
        TRY(vcpus, reader_.number("vcpus", 1, GUEST_MAX_VCPUS));
        TRY(maxvcpus, reader_.number("maxvcpus", 1, GUEST_MAX_VCPUS));
        cfg_.vcpus = vcpus ? static_cast<unsigned>(*vcpus) : 1;
        cfg_.max_vcpus = maxvcpus ? static_cast<unsigned>(*maxvcpus) : cfg_.vcpus;
        if (cfg_.max_vcpus < cfg_.vcpus) {
            return fail(where("maxvcpus") + "maxvcpus: " + std::to_string(cfg_.max_vcpus) +
                        " is less than vcpus (" + std::to_string(cfg_.vcpus) + ")");
        }
        TRY(gic, reader_.string("gic_version"));
        if (gic) {
            std::string lower;
            for (char c : *gic)
                lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (lower == "v3")
                cfg_.gic_version = GicVersion::kV3;
            else if (lower == "native" || lower == "default")
                cfg_.gic_version = GicVersion::kNative;
            else if (lower == "v2")
                return fail(where("gic_version") +
                            "gic_version: \"v2\" is not supported: Tessera emulates a GICv3 only");
            else
                return fail(where("gic_version") +
                            "gic_version: expected \"v3\", \"native\" or \"default\", got \"" +
                            *gic + "\"");
        }
        return {};
    }

    Result<void> affinity() {
        for (auto [name, out] :
             {std::pair{"cpus", &cfg_.cpus_hard}, std::pair{"cpus_soft", &cfg_.cpus_soft}}) {
            const CfgSetting* s = reader_.get(name);
            if (!s) continue;
            auto parse = [&](const CfgValue& v) -> Result<CpuSet> {
                if (!v.is_atom())
                    return fail(CfgReader::message(v, name, "expected a CPU list string"));
                auto set = CpuSet::parse(v.atom());
                if (!set) return fail(CfgReader::message(v, name, set.error().message));
                return set;
            };
            if (s->value.is_atom()) {  // one set for every vCPU
                TRY(set, parse(s->value));
                out->assign(cfg_.max_vcpus, set);
                continue;
            }
            const auto& items = s->value.list();
            for (size_t i = 0; i < items.size(); ++i) {
                TRY(set, parse(items[i]));
                if (i < cfg_.max_vcpus) out->push_back(set);
            }
            if (items.size() > cfg_.max_vcpus) {
                warnings_.push_back(CfgReader::message(
                    s->value, name,
                    "warning: " + std::to_string(items.size()) + " entries for " +
                        std::to_string(cfg_.max_vcpus) + " vCPUs; the extra ones are ignored"));
            }
        }
        return {};
    }

    Result<void> boot() {
        TRY(kernel, reader_.string("kernel"));
        if (!kernel || kernel->empty()) {
            return fail("kernel: no kernel given; set kernel = \"/path/to/Image\"");
        }
        cfg_.kernel = *kernel;
        TRY(ramdisk, reader_.string("ramdisk"));
        cfg_.ramdisk = ramdisk.value_or("");
        TRY(cmdline, reader_.string("cmdline"));
        TRY(root, reader_.string("root"));
        TRY(extra, reader_.string("extra"));
        if (cmdline) {
            cfg_.cmdline = *cmdline;
            if (root || extra) {
                warnings_.push_back(where("cmdline") +
                                    "warning: ignoring root= and extra= in favour of cmdline=");
            }
        } else if (root && extra) {
            cfg_.cmdline = "root=" + *root + " " + *extra;
        } else if (root) {
            cfg_.cmdline = "root=" + *root;
        } else if (extra) {
            cfg_.cmdline = *extra;
        }
        return {};
    }

    Result<void> actions() {
        for (auto [name, out] :
             {std::pair{"on_poweroff", &cfg_.on_poweroff}, std::pair{"on_reboot", &cfg_.on_reboot},
              std::pair{"on_watchdog", &cfg_.on_watchdog}, std::pair{"on_crash", &cfg_.on_crash},
              std::pair{"on_soft_reset", &cfg_.on_soft_reset}}) {
            TRY(text, reader_.string(name));
            if (!text) continue;
            auto it = std::find_if(kActions.begin(), kActions.end(),
                                   [&](const auto& a) { return a.first == *text; });
            if (it == kActions.end()) {
                return fail(where(name) + name + ": unknown action \"" + *text +
                            "\" (expected destroy, restart, rename-restart, preserve, "
                            "coredump-destroy, coredump-restart or soft-reset)");
            }
            *out = it->second;
        }
        return {};
    }

    Result<void> devices() {
        static const std::vector<CfgValue> kNoValues;
        TRY(disks, reader_.list("disk"));
        std::set<uint32_t> devids;
        for (const CfgValue& item : disks ? *disks : kNoValues) {
            if (!item.is_atom()) return fail(CfgReader::message(item, "disk", "expected a string"));
            auto disk = DiskSpec::parse(item.atom());
            if (!disk) return fail(CfgReader::message(item, "disk", disk.error().message));
            if (auto servable = check_servable(*disk); !servable) {
                return fail(CfgReader::message(item, "disk", servable.error().message));
            }
            if (!devids.insert(disk->devid).second) {
                return fail(CfgReader::message(item, "disk",
                                               "vdev " + disk->vdev + " is used by two disks"));
            }
            cfg_.disks.push_back(std::move(*disk));
        }
        TRY(vifs, reader_.list("vif"));
        for (const CfgValue& item : vifs ? *vifs : kNoValues) {
            if (!item.is_atom()) return fail(CfgReader::message(item, "vif", "expected a string"));
            std::vector<std::string> notes;
            auto vif = VifSpec::parse(item.atom(), notes);
            if (!vif) return fail(CfgReader::message(item, "vif", vif.error().message));
            for (const auto& note : notes)
                warnings_.push_back(item.where.str() + ": warning: " + note);
            if (!vif->devid) vif->devid = static_cast<uint32_t>(cfg_.vifs.size());
            cfg_.vifs.push_back(std::move(*vif));
        }
        return {};
    }

    Result<void> limits() {
        for (auto [name, out] : {std::pair{"max_grant_frames", &cfg_.max_grant_frames},
                                 std::pair{"max_maptrack_frames", &cfg_.max_maptrack_frames},
                                 std::pair{"max_event_channels", &cfg_.max_event_channels}}) {
            TRY(n, reader_.number(name, 0, INT32_MAX));
            if (n) *out = static_cast<uint32_t>(*n);
        }
        return {};
    }

    Result<void> refused() {
        for (std::string_view name : kRefused) {
            const CfgSetting* s = reader_.get(name);
            if (!s) continue;
            const bool empty = s->value.is_atom()
                                   ? s->value.atom().empty() || s->value.atom() == "0"
                                   : s->value.list().empty();
            if (!empty) {
                return fail(CfgReader::message(s->value, name, "is not supported by Tessera"));
            }
        }
        return {};
    }

    /// "domU.cfg:7: " for the setting `name` (empty if absent).
    std::string where(std::string_view name) {
        const CfgSetting* s = reader_.get(name);
        return s ? s->value.where.str() + ": " : std::string();
    }

    CfgReader reader_;
    DomainConfig cfg_;
    std::vector<std::string> warnings_;
};

template <typename Table, typename E>
std::string_view name_in(const Table& table, E value) {
    for (const auto& [text, v] : table) {
        if (v == value) return text;
    }
    return "?";
}

}  // namespace

std::string_view to_string(DomainType type) {
    return type == DomainType::kPvh ? "pvh" : type == DomainType::kPv ? "pv" : "hvm";
}

std::string_view to_string(GicVersion gic) {
    return gic == GicVersion::kV3 ? "v3" : gic == GicVersion::kV2 ? "v2" : "default";
}

std::string_view to_string(ShutdownAction action) {
    return name_in(kActions, action);
}

Result<ParsedConfig> interpret_config(const CfgFile& file) {
    return Interpreter(file).run();
}

Result<ParsedConfig> parse_domain_config(std::string_view text, std::string source,
                                         std::span<const std::string> overrides) {
    TRY(file, CfgFile::parse(text, std::move(source)));
    for (const std::string& o : overrides) {
        if (auto r = file.merge(o, "command line"); !r) return std::unexpected(r.error());
    }
    return interpret_config(file);
}

Result<ParsedConfig> load_domain_config(const std::string& path,
                                        std::span<const std::string> overrides) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path + ": unable to open configuration file: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_domain_config(text.str(), path, overrides);
}

}  // namespace tessera::toolstack
