// The operations behind xl's commands, over the hypervisor (libs/hvcall, libs/foreignmem) and
// xenstore (libs/xs): finding domains by name or id, creating, destroying, renaming and asking
// a guest to shut down. xl adds the command line and the printing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "foreignmem/foreign_memory.hpp"
#include "toolstack/domain_builder.h"
#include "toolstack/domain_control.h"
#include "toolstack/userdata.h"
#include "toolstack/xs_domains.h"

namespace tessera::toolstack {

/// Name xl shows for domain 0 when xenstore has none (what xen-init-dom0 writes).
inline constexpr const char* kDom0Name = "Domain-0";
/// Userdata key of the configuration text a domain was created from.
inline constexpr const char* kConfigUserdataKey = "xl";

/// The xl.cfg text a domain is created from: the file, the KEY=VALUE overrides and the UUID
/// the domain actually got, so that parsing it again gives the same configuration.
std::string config_userdata(std::string_view file_text, std::span<const std::string> overrides,
                            const Uuid& uuid);

/// What a guest is asked to do through control/shutdown.
enum class ControlRequest { kPoweroff, kReboot };
std::string_view to_string(ControlRequest request);

struct CreateResult {
    BuildResult build;
    std::vector<std::string> warnings;  ///< problems that did not stop the domain
};

class Toolstack {
public:
    Toolstack(xen::Hypervisor& hv, xen::ForeignMemory& memory, xs::Client& xs,
              UserdataStore userdata = UserdataStore())
        : hv_(hv), memory_(memory), control_(hv), xenstore_(xs), userdata_(std::move(userdata)) {}

    DomainControl& control() { return control_; }
    XenstoreDomains& xenstore() { return xenstore_; }
    const UserdataStore& userdata() const { return userdata_; }

    /// The name listings show: xenstore's, "Domain-0" for a nameless domain 0, else nullopt.
    Result<std::optional<std::string>> name_of(DomId dom);
    /// The domain a name has, if any (the lowest id when several claim it).
    Result<std::optional<DomId>> find_by_name(std::string_view name);
    /// Xen's domain qualifier: all digits is an id, anything else a name. The domain must
    /// exist: "domain 7 does not exist", "no domain is named \"x\"".
    Result<DomId> resolve(std::string_view qualifier);

    /// Builds the domain (left paused if `paused`) and keeps `userdata` (config_userdata()).
    /// On failure nothing of the domain is left.
    Result<CreateResult> create(const DomainConfig& config, const std::string& userdata,
                                const BootFiles& files, bool paused);
    /// Pauses the domain, removes its xenstore nodes and device backends, releases it from
    /// xenstored, destroys it (retrying while Xen says EAGAIN) and drops its userdata.
    Result<void> destroy(DomId dom);
    /// Refuses names that are empty, all digits, or already used by another domain.
    Result<void> rename(DomId dom, const std::string& new_name);
    /// The configuration stored when the domain was created, nullopt without one (domain 0).
    Result<std::optional<DomainConfig>> stored_config(DomId dom, const Uuid& uuid);

    /// Writes control/shutdown and waits up to `ack_timeout` for the guest to take it (or to
    /// shut down). Without an acknowledgement: SCHEDOP_remote_shutdown if `fallback`, else an
    /// error. Returns true when the hypervisor fallback was used.
    Result<bool> request_shutdown(DomId dom, ControlRequest request,
                                  std::chrono::milliseconds ack_timeout, bool fallback);

private:
    xen::Hypervisor& hv_;
    xen::ForeignMemory& memory_;
    DomainControl control_;
    XenstoreDomains xenstore_;
    UserdataStore userdata_;
};

}  // namespace tessera::toolstack
