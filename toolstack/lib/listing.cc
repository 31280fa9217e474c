// xl's output layouts (tools/xl/xl_info.c and xl_vcpu.c in Xen 4.17), written independently.
#include "toolstack/listing.h"

#include <cstdio>

namespace tessera::toolstack {
namespace {

std::string printf_string(const char* format, auto... args) {
    const int n = std::snprintf(nullptr, 0, format, args...);
    std::string out(static_cast<size_t>(n), '\0');
    std::snprintf(out.data(), out.size() + 1, format, args...);
    return out;
}

const char* or_null(const std::optional<std::string>& s) {
    return s ? s->c_str() : "(null)";
}

bool bit(std::span<const uint8_t> map, uint32_t i) {
    return i / 8 < map.size() && (map[i / 8] >> (i % 8)) & 1;
}

}  // namespace

std::string format_cpumap(std::span<const uint8_t> map, uint32_t nr_bits) {
    std::string out;
    uint32_t i = 0;
    bool first_run_from_zero_to_end = false;
    while (i < nr_bits) {
        if (!bit(map, i)) {
            ++i;
            continue;
        }
        uint32_t end = i;
        while (end + 1 < nr_bits && bit(map, end + 1)) ++end;
        if (i == 0 && end + 1 == nr_bits) first_run_from_zero_to_end = true;
        if (!out.empty()) out += ',';
        out += std::to_string(i);
        if (end > i) out += "-" + std::to_string(end);
        i = end + 1;
    }
    if (first_run_from_zero_to_end) return "all";
    return out.empty() ? "none" : out;
}

std::string list_header(bool verbose) {
    std::string h = "Name                                        ID   Mem VCPUs\tState\tTime(s)";
    if (verbose) h += "   UUID                            Reason-Code\tSecurity Label";
    return h + "\n";
}

std::string list_line(const DomainInfo& d, const std::optional<std::string>& name, bool verbose) {
    static constexpr char kReasons[] = "-rscwS";
    const unsigned reason = d.shutdown ? d.shutdown_reason : 0;
    const char reason_letter = reason < sizeof kReasons - 1 ? kReasons[reason] : '?';
    std::string line = printf_string(
        "%-40s %5u %5lu %5u     %c%c%c%c%c%c  %8.1f", or_null(name), d.domid,
        static_cast<unsigned long>((d.current_memkb + d.outstanding_memkb) / 1024), d.vcpu_online,
        d.running ? 'r' : '-', d.blocked ? 'b' : '-', d.paused ? 'p' : '-', d.shutdown ? 's' : '-',
        reason_letter, d.dying ? 'd' : '-',
        static_cast<double>(static_cast<float>(d.cpu_time_ns)) / 1e9);
    if (verbose) {
        line += " " + d.uuid.str();
        line += d.shutdown ? printf_string(" %8x", reason) : printf_string(" %8s", "-");
        line += printf_string(" %16s", "-");
    }
    return line + "\n";
}

std::string vcpu_list_header() {
    return printf_string("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
                         "Time(s)", "Affinity (Hard / Soft)");
}

std::string vcpu_list_line(DomId dom, const std::optional<std::string>& name, const VcpuInfo& v,
                           uint32_t nr_cpus) {
    std::string line = printf_string("%-32s %5u %5u", or_null(name), dom, v.vcpu);
    if (!v.online) {
        line += printf_string("%5c %3c%cp ", '-', '-', '-');
    } else {
        line += printf_string("%5u %3c%c- ", v.cpu, v.running ? 'r' : '-', v.blocked ? 'b' : '-');
    }
    line += printf_string("%9.1f  ", static_cast<double>(static_cast<float>(v.time_ns)) / 1e9);
    line += format_cpumap(v.hard, nr_cpus) + " / " + format_cpumap(v.soft, nr_cpus);
    return line + "\n";
}

std::string uptime_string(uint64_t seconds, bool short_mode) {
    const auto day = static_cast<int>(seconds / 86400);
    seconds %= 86400;
    const auto hour = static_cast<int>(seconds / 3600);
    seconds %= 3600;
    const auto min = static_cast<int>(seconds / 60);
    const auto sec = static_cast<int>(seconds % 60);
    std::string days;
    if (day > 1) days = std::to_string(day) + " days, ";
    if (day == 1) days = "1 day, ";
    return days + (short_mode ? printf_string("%2d:%02d", hour, min)
                              : printf_string("%2d:%02d:%02d", hour, min, sec));
}

std::string uptime_header() {
    return printf_string("%-33s %4s %s\n", "Name", "ID", "Uptime");
}

std::string uptime_line(const std::optional<std::string>& name, DomId dom, uint64_t seconds,
                        bool short_mode, std::time_t now) {
    if (!short_mode) {
        return printf_string("%-33s %4u %s\n", or_null(name), dom,
                             uptime_string(seconds, false).c_str());
    }
    std::tm tm{};
    ::localtime_r(&now, &tm);
    char clock[16];
    std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    return printf_string(" %s up %s, %s (%u)\n", clock, uptime_string(seconds, true).c_str(),
                         or_null(name), dom);
}

std::vector<std::pair<std::string, std::string>> info_lines(const HostFacts& f) {
    std::vector<std::pair<std::string, std::string>> out{
        {"host", f.host}, {"release", f.release}, {"version", f.version}, {"machine", f.machine}};
    if (const auto& p = f.physinfo) {
        out.emplace_back("nr_cpus", std::to_string(p->nr_cpus));
        out.emplace_back("max_cpu_id", std::to_string(p->max_cpu_id));
        out.emplace_back("nr_nodes", std::to_string(p->nr_nodes));
        out.emplace_back("cores_per_socket", std::to_string(p->cores_per_socket));
        out.emplace_back("threads_per_core", std::to_string(p->threads_per_core));
        out.emplace_back("cpu_mhz", printf_string("%u.%03u", p->cpu_khz / 1000, p->cpu_khz % 1000));
        out.emplace_back("hw_caps",
                         printf_string("%08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x", p->hw_cap[0],
                                       p->hw_cap[1], p->hw_cap[2], p->hw_cap[3], p->hw_cap[4],
                                       p->hw_cap[5], p->hw_cap[6], p->hw_cap[7]));
        const uint32_t c = p->capabilities;
        const bool hvm = c & XEN_SYSCTL_PHYSCAP_hvm, pv = c & XEN_SYSCTL_PHYSCAP_pv;
        const bool directio = c & XEN_SYSCTL_PHYSCAP_directio;
        std::string caps;
        const std::pair<bool, const char*> flags[] = {
            {pv, " pv"},
            {hvm, " hvm"},
            {hvm && directio, " hvm_directio"},
            {pv && directio, " pv_directio"},
            {(c & XEN_SYSCTL_PHYSCAP_hap) != 0, " hap"},
            {(c & XEN_SYSCTL_PHYSCAP_shadow) != 0, " shadow"},
            {(c & XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share) != 0, " iommu_hap_pt_share"},
            {(c & XEN_SYSCTL_PHYSCAP_vmtrace) != 0, " vmtrace"},
            {(c & XEN_SYSCTL_PHYSCAP_vpmu) != 0, " vpmu"},
            {(c & XEN_SYSCTL_PHYSCAP_gnttab_v1) != 0, " gnttab-v1"},
            {(c & XEN_SYSCTL_PHYSCAP_gnttab_v2) != 0, " gnttab-v2"},
        };
        for (auto [on, name] : flags) {
            if (on) caps += name;
        }
        out.emplace_back("virt_caps", caps.empty() ? caps : caps.substr(1));
        // Pages of the hypervisor's size per MiB; Arm's Xen page is 4 KiB.
        const uint64_t page = f.xen && f.xen->pagesize ? f.xen->pagesize : kXenPageSize;
        const uint64_t per_mib = (uint64_t{1} << 20) / page;
        out.emplace_back("total_memory", std::to_string(p->total_pages / per_mib));
        out.emplace_back("free_memory",
                         std::to_string((p->free_pages - p->outstanding_pages) / per_mib));
        out.emplace_back("sharing_freed_memory", "0");  // no memory sharing on Arm
        out.emplace_back("sharing_used_memory", "0");
        out.emplace_back("outstanding_claims", std::to_string(p->outstanding_pages / per_mib));
        out.emplace_back("free_cpus", "0");  // every pCPU is in the default pool (no cpupools)
    }
    if (const auto& x = f.xen) {
        out.emplace_back("xen_major", std::to_string(x->major));
        out.emplace_back("xen_minor", std::to_string(x->minor));
        out.emplace_back("xen_extra", x->extra);
        out.emplace_back("xen_version",
                         std::to_string(x->major) + "." + std::to_string(x->minor) + x->extra);
        out.emplace_back("xen_caps", x->capabilities);
        if (f.scheduler) out.emplace_back("xen_scheduler", *f.scheduler);
        if (x->pagesize) out.emplace_back("xen_pagesize", std::to_string(x->pagesize));
        out.emplace_back(
            "platform_params",
            printf_string("virt_start=0x%llx", static_cast<unsigned long long>(x->virt_start)));
        out.emplace_back("xen_changeset", x->changeset);
        out.emplace_back("xen_commandline", x->commandline);
        out.emplace_back("cc_compiler", x->compiler);
        out.emplace_back("cc_compile_by", x->compile_by);
        out.emplace_back("cc_compile_domain", x->compile_domain);
        out.emplace_back("cc_compile_date", x->compile_date);
        out.emplace_back("build_id", x->build_id);
    }
    out.emplace_back("xend_config_format", "4");
    return out;
}

std::string format_info(const std::vector<std::pair<std::string, std::string>>& lines,
                        const std::string& filter) {
    std::string out;
    for (const auto& [key, value] : lines) {
        if (filter.empty()) {
            // xl prints virt_caps as "key :" followed by " cap" per capability.
            const char* sep = value.empty() && key == "virt_caps" ? ":" : ": ";
            out += printf_string("%-23s%s", key.c_str(), sep) + value + "\n";
        } else if (key.starts_with(filter)) {
            out += value + "\n";
        }
    }
    return out;
}

}  // namespace tessera::toolstack
