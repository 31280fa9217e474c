// xl's operations: lookup, create, destroy, rename, shutdown requests.
#include "toolstack/toolstack.h"

#include <algorithm>

#include "toolstack/xen_hypervisor.h"

namespace tessera::toolstack {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string config_userdata(std::string_view file_text, std::span<const std::string> overrides,
                            const Uuid& uuid) {
    std::string out(file_text);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "# xl create: command-line settings and the UUID the domain was given\n";
    for (const std::string& o : overrides) out += o + "\n";
    out += "uuid = \"" + uuid.str() + "\"\n";
    return out;
}

std::string_view to_string(ControlRequest request) {
    return request == ControlRequest::kPoweroff ? "poweroff" : "reboot";
}

Result<std::optional<std::string>> Toolstack::name_of(DomId dom) {
    auto name = xenstore_.name(dom);
    if (!name) return name;
    if (!*name && dom == 0) return std::optional<std::string>{kDom0Name};
    return name;
}

Result<std::optional<DomId>> Toolstack::find_by_name(std::string_view name) {
    auto domains = control_.list();
    if (!domains) return std::unexpected(domains.error());
    for (const DomainInfo& d : *domains) {
        auto n = name_of(d.domid);
        if (!n) return std::unexpected(n.error());
        if (*n && **n == name) return std::optional<DomId>{d.domid};
    }
    return std::optional<DomId>{};
}

Result<DomId> Toolstack::resolve(std::string_view qualifier) {
    if (all_digits(qualifier)) {
        DomId dom = 0;
        for (char c : qualifier) {
            dom = dom * 10 + static_cast<DomId>(c - '0');
            if (dom >= DOMID_FIRST_RESERVED)
                return fail(std::string(qualifier) + " is not a domain id");
        }
        auto info = control_.find(dom);
        if (!info) return std::unexpected(info.error());
        if (!*info) return fail("domain " + std::to_string(dom) + " does not exist");
        return dom;
    }
    auto dom = find_by_name(qualifier);
    if (!dom) return std::unexpected(dom.error());
    if (!*dom) return fail("no domain is named \"" + std::string(qualifier) + "\"");
    return **dom;
}

Result<CreateResult> Toolstack::create(const DomainConfig& config, const std::string& userdata,
                                       const BootFiles& files, bool paused) {
    if (auto existing = find_by_name(config.name); !existing) {
        return std::unexpected(existing.error());
    } else if (*existing) {
        return fail("domain \"" + config.name + "\" already exists (id " +
                    std::to_string(**existing) + ")");
    }
    // As xl's freemem(): a guest that cannot fit is refused before anything is built (else
    // the hypervisor would hand out every free page before saying no). When physinfo is not
    // answered, populate_physmap's own ENOMEM still stops the build.
    if (auto info = control_.physinfo(); info) {
        const uint64_t free_kib = uint64_t{info->free_pages} * (kXenPageSize / 1024);
        if (config.target_memkb > free_kib) {
            return fail("memory: the guest needs " + std::to_string(config.target_memkb / 1024) +
                        " MiB but only " + std::to_string(free_kib / 1024) +
                        " MiB are free in the hypervisor");
        }
    }
    XenHypervisor hv(hv_, memory_);
    DomainBuilder builder(hv, xenstore_);
    BuildEnvironment env;
    env.backend_domid = 0;
    env.start_time = start_time_now();
    env.paused = paused;
    auto built = builder.build(config, files, env);
    if (!built) return std::unexpected(built.error());
    CreateResult result{*built, {}};
    if (auto saved = userdata_.save(built->domid, config.uuid, kConfigUserdataKey, userdata);
        !saved) {
        result.warnings.push_back("warning: " + saved.error().message +
                                  " (xl list -l will not show this domain)");
    }
    return result;
}

Result<void> Toolstack::destroy(DomId dom) {
    auto info = control_.find(dom);
    if (!info) return std::unexpected(info.error());
    if (!*info) return fail("domain " + std::to_string(dom) + " does not exist");
    // Stop the guest first so that it does not react to its nodes disappearing.
    if (!(*info)->dying) (void)control_.pause(dom);
    auto cleaned = xenstore_.forget_domain(dom, (*info)->uuid);
    auto destroyed = destroy_domain_retrying(hv_, dom);
    userdata_.remove_all(dom);
    if (!destroyed) return std::unexpected(from_xen(destroyed.error()));
    return cleaned;
}

Result<void> Toolstack::rename(DomId dom, const std::string& new_name) {
    if (new_name.empty()) return fail("the new name is empty");
    if (all_digits(new_name)) {
        return fail("\"" + new_name + "\" is all digits: it would read as a domain id");
    }
    auto info = control_.find(dom);
    if (!info) return std::unexpected(info.error());
    if (!*info) return fail("domain " + std::to_string(dom) + " does not exist");
    auto holder = find_by_name(new_name);
    if (!holder) return std::unexpected(holder.error());
    if (*holder && **holder != dom) {
        return fail("domain " + std::to_string(**holder) + " is already named \"" + new_name +
                    "\"");
    }
    if (auto r = xenstore_.rename(dom, new_name); !r) return r;
    // Keep the stored configuration in step (its last assignment wins).
    auto stored = userdata_.load(dom, (*info)->uuid, kConfigUserdataKey);
    if (stored && *stored) {
        (void)userdata_.save(dom, (*info)->uuid, kConfigUserdataKey,
                             **stored + "name = \"" + new_name + "\"\n");
    }
    return {};
}

Result<std::optional<DomainConfig>> Toolstack::stored_config(DomId dom, const Uuid& uuid) {
    auto text = userdata_.load(dom, uuid, kConfigUserdataKey);
    if (!text) return std::unexpected(text.error());
    if (!*text) return std::optional<DomainConfig>{};
    auto parsed = parse_domain_config(**text, userdata_.path(dom, uuid, kConfigUserdataKey));
    if (!parsed) return std::unexpected(parsed.error());
    return std::optional<DomainConfig>{std::move(parsed->config)};
}

Result<bool> Toolstack::request_shutdown(DomId dom, ControlRequest request,
                                         std::chrono::milliseconds ack_timeout, bool fallback) {
    if (auto w = xenstore_.write_control(dom, std::string(to_string(request))); !w) {
        return std::unexpected(w.error());
    }
    // A guest that has shut down (or is gone) needs no acknowledgement.
    auto settled = [&] {
        auto info = control_.find(dom);
        return info && (!*info || (*info)->shutdown || (*info)->dying);
    };
    auto acked = xenstore_.wait_control_ack(dom, ack_timeout, settled);
    if (!acked) return std::unexpected(acked.error());
    if (*acked) return false;
    if (!fallback) {
        return fail("domain " + std::to_string(dom) + " did not acknowledge the " +
                    std::string(to_string(request)) +
                    " request (no PV control driver?); -F asks the hypervisor instead");
    }
    const auto reason =
        request == ControlRequest::kPoweroff ? ShutdownReason::kPoweroff : ShutdownReason::kReboot;
    if (auto r = control_.remote_shutdown(dom, reason); !r) return std::unexpected(r.error());
    return true;
}

}  // namespace tessera::toolstack
