// What xl asks the hypervisor about running domains and the host: domain and vCPU state,
// pause/unpause, affinity, physinfo, version, console ring, remote shutdown (libs/hvcall).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hvcall/host.hpp"
#include "hvcall/hypervisor.hpp"
#include "toolstack/hypervisor.h"

namespace tessera::toolstack {

/// SHUTDOWN_* reasons (sched.h) as a domain reports them.
enum class ShutdownReason : unsigned {
    kPoweroff = 0,
    kReboot = 1,
    kSuspend = 2,
    kCrash = 3,
    kWatchdog = 4,
    kSoftReset = 5,
};

/// One domain as XEN_DOMCTL_getdomaininfo describes it (libxl_dominfo's fields).
struct DomainInfo {
    DomId domid = 0;
    Uuid uuid;
    bool dying = false;
    bool shutdown = false;
    bool paused = false;
    bool blocked = false;
    bool running = false;
    unsigned shutdown_reason = 0;  ///< meaningful when `shutdown`
    uint64_t current_memkb = 0;
    uint64_t max_memkb = 0;
    uint64_t outstanding_memkb = 0;
    uint64_t cpu_time_ns = 0;
    uint32_t vcpu_online = 0;
    std::optional<uint32_t> max_vcpu_id;  ///< nullopt: no vCPU yet
    uint32_t ssidref = 0;
    uint32_t cpupool = 0;
};

DomainInfo to_domain_info(const xen_domctl_getdomaininfo& info);

/// One vCPU (XEN_DOMCTL_getvcpuinfo + getvcpuaffinity).
struct VcpuInfo {
    uint32_t vcpu = 0;
    bool online = false;
    bool blocked = false;
    bool running = false;
    uint32_t cpu = 0;
    uint64_t time_ns = 0;
    std::vector<uint8_t> hard;  ///< bitmap of nr_cpus bits
    std::vector<uint8_t> soft;
};

class DomainControl {
public:
    explicit DomainControl(xen::Hypervisor& hv) : hv_(hv) {}

    xen::Hypervisor& hypervisor() { return hv_; }

    /// Every domain, by id (XEN_SYSCTL_getdomaininfolist in chunks).
    Result<std::vector<DomainInfo>> list();
    /// Exactly `dom`, or nullopt when there is no such domain.
    Result<std::optional<DomainInfo>> find(DomId dom);
    Result<void> pause(DomId dom);
    Result<void> unpause(DomId dom);
    /// Every vCPU 0..max_vcpu_id with affinity maps of `nr_cpus` bits.
    Result<std::vector<VcpuInfo>> vcpus(DomId dom, uint32_t nr_cpus);
    /// Sets the hard and/or soft affinity (a null set is left unchanged).
    Result<void> set_affinity(DomId dom, uint32_t vcpu, const CpuSet* hard, const CpuSet* soft,
                              uint32_t nr_cpus);
    Result<xen_sysctl_physinfo> physinfo();
    Result<xen::VersionInfo> version();
    /// XEN_SCHEDULER_* name ("credit2", "null"...), or nullopt if unknown or not answered.
    std::optional<std::string> scheduler_name();
    /// The whole hypervisor console ring (XEN_SYSCTL_readconsole, incremental reads).
    Result<std::string> read_console(bool clear);
    Result<void> remote_shutdown(DomId dom, ShutdownReason reason);

private:
    xen::Hypervisor& hv_;
};

}  // namespace tessera::toolstack
