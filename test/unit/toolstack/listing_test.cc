// xl's output layouts: list, list -v, list -l, vcpu-list, uptime, info, CPU maps.
#include "toolstack/listing.h"

#include <catch2/catch.hpp>

#include "toolstack/config_json.h"
#include "toolstack_fixture.h"

using namespace tessera::toolstack;

TEST_CASE("listing: CPU maps print as xl prints them") {
    const std::vector<uint8_t> all4{0x0f}, none{0x00}, mixed{0x2d, 0x01};
    CHECK(format_cpumap(all4, 4) == "all");
    CHECK(format_cpumap(all4, 8) == "0-3");
    CHECK(format_cpumap(none, 8) == "none");
    CHECK(format_cpumap(mixed, 9) == "0,2-3,5,8");
    CHECK(format_cpumap(std::vector<uint8_t>{0x0e}, 4) == "1-3");
}

TEST_CASE("listing: xl list lines") {
    CHECK(list_header(false) ==
          "Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
    DomainInfo d;
    d.domid = 0;
    d.current_memkb = 512 * 1024;
    d.vcpu_online = 2;
    d.running = true;
    d.cpu_time_ns = 12'345'000'000;
    CHECK(list_line(d, std::string("Domain-0"), false) ==
          "Domain-0                                     0   512     2     r-----      12.3\n");
    DomainInfo s;
    s.domid = 7;
    s.current_memkb = 256 * 1024 + 4;
    s.vcpu_online = 1;
    s.paused = s.shutdown = true;
    s.shutdown_reason = 3;  // crash
    s.uuid = Uuid::parse("00000000-0000-4000-8000-000000000001").value();
    CHECK(list_line(s, std::nullopt, false) ==
          "(null)                                       7   256     1     --psc-       0.0\n");
    CHECK(list_line(s, std::string("g"), true) ==
          "g                                            7   256     1     --psc-       0.0"
          " 00000000-0000-4000-8000-000000000001        3                -\n");
    s.shutdown = false;
    CHECK(list_line(s, std::string("g"), true)
              .ends_with(" 00000000-0000-4000-8000-000000000001"
                         "        -                -\n"));
    CHECK(list_header(true) ==
          "Name                                        ID   Mem VCPUs\tState\tTime(s)"
          "   UUID                            Reason-Code\tSecurity Label\n");
}

TEST_CASE("listing: xl vcpu-list lines") {
    CHECK(vcpu_list_header() ==
          "Name                                ID  VCPU   CPU State   Time(s) "
          "Affinity (Hard / Soft)\n");
    VcpuInfo v;
    v.vcpu = 1;
    v.online = true;
    v.running = true;
    v.cpu = 3;
    v.time_ns = 1'500'000'000;
    v.hard = {0x08};
    v.soft = {0x0f};
    CHECK(vcpu_list_line(2, std::string("g"), v, 4) ==
          "g                                    2     1    3   r--       1.5  3 / all\n");
    VcpuInfo off;
    off.hard = {0x0f};
    off.soft = {0x0f};
    CHECK(vcpu_list_line(2, std::string("g"), off, 4) ==
          "g                                    2     0    -   --p       0.0  all / all\n");
}

TEST_CASE("listing: uptime strings") {
    CHECK(uptime_string(59, false) == " 0:00:59");
    CHECK(uptime_string(3 * 3600 + 4 * 60 + 5, false) == " 3:04:05");
    CHECK(uptime_string(86400 + 7200, false) == "1 day,  2:00:00");
    CHECK(uptime_string(3 * 86400 + 60, true) == "3 days,  0:01");
    CHECK(uptime_header() == "Name                                ID Uptime\n");
    CHECK(uptime_line(std::string("g"), 3, 65, false, 0) ==
          "g                                    3  0:01:05\n");
    CHECK(uptime_line(std::string("g"), 3, 65, true, 0).ends_with(" up  0:01, g (3)\n"));
}

TEST_CASE("listing: xl info lines and KEY filter") {
    HostFacts f;
    f.host = "dom0";
    f.release = "6.1.0";
    f.version = "#1 SMP";
    f.machine = "aarch64";
    xen_sysctl_physinfo p{};
    p.nr_cpus = 2;
    p.max_cpu_id = 1;
    p.nr_nodes = 1;
    p.cores_per_socket = 2;
    p.threads_per_core = 1;
    p.cpu_khz = 62500;
    p.capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap;
    p.total_pages = 1024 * 256;
    p.free_pages = 300 * 256;
    f.physinfo = p;
    tessera::xen::VersionInfo v;
    v.major = 4;
    v.minor = 17;
    v.extra = ".0";
    v.pagesize = 4096;
    f.xen = v;
    f.scheduler = "null";
    const std::string text = format_info(info_lines(f));
    CHECK(
        text.starts_with("host                   : dom0\n"
                         "release                : 6.1.0\n"));
    CHECK(text.find("nr_cpus                : 2\n") != std::string::npos);
    CHECK(text.find("cpu_mhz                : 62.500\n") != std::string::npos);
    CHECK(text.find("virt_caps              : hvm hap\n") != std::string::npos);
    CHECK(text.find("total_memory           : 1024\n") != std::string::npos);
    CHECK(text.find("free_memory            : 300\n") != std::string::npos);
    CHECK(text.find("xen_version            : 4.17.0\n") != std::string::npos);
    CHECK(text.find("xen_scheduler          : null\n") != std::string::npos);
    CHECK(text.ends_with("xend_config_format     : 4\n"));
    CHECK(format_info(info_lines(f), "free_memory") == "300\n");
    f.physinfo->capabilities = 0;
    CHECK(format_info(info_lines(f)).find("virt_caps              :\n") != std::string::npos);
}

TEST_CASE("listing: xl list -l is a JSON array of domid and config") {
    const DomainConfig c = tessera::test::guest_config();
    std::vector<std::pair<uint32_t, DomainConfig>> doms{{3, c}};
    const std::string json = domains_to_json(doms).value();
    CHECK(json.starts_with("[\n    {\n        \"domid\": 3,\n        \"config\": {\n"));
    CHECK(json.find("\"name\": \"g\"") != std::string::npos);
    CHECK(json.ends_with("}\n]\n"));
    CHECK(domains_to_json({}).value() == "[\n\n]\n");
}
