// Host-wide hypercalls a toolstack needs besides domain control: the hypervisor's version
// strings (__HYPERVISOR_xen_version), its console ring (XEN_SYSCTL_readconsole), the scheduler
// id, and a shutdown request for another domain (SCHEDOP_remote_shutdown).
#pragma once

#include <cstdint>
#include <string>

#include "hvcall/hypervisor.hpp"

namespace tessera::xen {

/// What XENVER_* report. Strings of sub-ops the hypervisor refuses are left empty.
struct VersionInfo {
    unsigned major = 0;
    unsigned minor = 0;
    std::string extra;         ///< XENVER_extraversion, e.g. ".0"
    std::string capabilities;  ///< XENVER_capabilities
    std::string changeset;     ///< XENVER_changeset
    std::string commandline;   ///< XENVER_commandline
    std::string compiler;      ///< XENVER_compile_info
    std::string compile_by;
    std::string compile_domain;
    std::string compile_date;
    std::string build_id;          ///< XENVER_build_id, lower-case hex
    std::uint64_t virt_start = 0;  ///< XENVER_platform_parameters
    unsigned pagesize = 0;         ///< XENVER_pagesize (0 if refused)
};

/// Runs XENVER_version (which must succeed) and every other XENVER_ sub-op above.
Result<VersionInfo> version_info(Hypervisor& hv);

/// XEN_SYSCTL_readconsole: up to `max` bytes of the console ring from `index` (incremental),
/// clearing the ring if `clear`. Returns the text and advances `index` past it.
Result<std::string> read_console(Hypervisor& hv, std::uint32_t& index, bool clear,
                                 std::uint32_t max = 16384);

/// XEN_SYSCTL_sched_id: XEN_SCHEDULER_* of the default pool.
Result<std::uint32_t> scheduler_id(Hypervisor& hv);

/// SCHEDOP_remote_shutdown: shut `domid` down as if it had called SCHEDOP_shutdown(reason).
Result<void> remote_shutdown(Hypervisor& hv, domid_t domid, unsigned reason);

}  // namespace tessera::xen
