// The text xl prints, in Xen 4.17 xl's layouts: `xl list`, `xl vcpu-list`, `xl info`,
// `xl uptime`, and CPU maps as xl prints them ("all", "0-3,6", "none").
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "toolstack/domain_control.h"

namespace tessera::toolstack {

/// A CPU bitmap of `nr_bits` bits: ranges "0-3,6", "all" when every bit from 0 is set, "none".
std::string format_cpumap(std::span<const uint8_t> map, uint32_t nr_bits);

/// `xl list` header and one line per domain (a missing name prints as "(null)", as xl does).
std::string list_header(bool verbose);
std::string list_line(const DomainInfo& d, const std::optional<std::string>& name, bool verbose);

/// `xl vcpu-list` header and one line per vCPU.
std::string vcpu_list_header();
std::string vcpu_list_line(DomId dom, const std::optional<std::string>& name, const VcpuInfo& v,
                           uint32_t nr_cpus);

/// "1 day,  2:03:04" (or without seconds in short mode), as xl uptime writes it.
std::string uptime_string(uint64_t seconds, bool short_mode);
/// `xl uptime` lines: the header, one domain, or one domain in short (-s) mode.
std::string uptime_header();
std::string uptime_line(const std::optional<std::string>& name, DomId dom, uint64_t seconds,
                        bool short_mode, std::time_t now);

/// What `xl info` reports, gathered by xl (uname) and the hypervisor.
struct HostFacts {
    std::string host, release, version, machine;  ///< uname
    std::optional<xen_sysctl_physinfo> physinfo;
    std::optional<xen::VersionInfo> xen;
    std::optional<std::string> scheduler;
};

/// `xl info` as (key, value) lines, in xl's order; lines that cannot be filled are left out.
std::vector<std::pair<std::string, std::string>> info_lines(const HostFacts& facts);
/// The lines as xl prints them ("key<pad>: value"), or only the value of keys starting with
/// `filter` (xl info KEY).
std::string format_info(const std::vector<std::pair<std::string, std::string>>& lines,
                        const std::string& filter = "");

}  // namespace tessera::toolstack
