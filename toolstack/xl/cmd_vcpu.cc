// vcpu-list and vcpu-pin. CPU lists are checked before the hypervisor is needed.
#include <iostream>
#include <memory>

#include "toolstack/cpu_set.h"
#include "toolstack/listing.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

struct PinOptions {
    std::string domain;
    std::string vcpu;
    std::string hard;
    std::string soft = "-";
    bool force = false;
};

/// "-" leaves an affinity unchanged (nullopt); anything else must be a CPU list.
std::optional<ts::CpuSet> parse_cpus(const std::string& spec, const char* what) {
    if (spec == "-") return std::nullopt;
    auto set = ts::CpuSet::parse(spec);
    if (!set) throw Failure("vcpu-pin: " + std::string(what) + " affinity: " + set.error().message);
    return *set;
}

/// CPUs a bitmap covers: the host's highest CPU id + 1, as xl sizes its maps.
uint32_t host_cpus(Session& s) {
    return check(s.ts().control().physinfo()).max_cpu_id + 1;
}

void vcpu_list(const std::vector<std::string>& names) {
    auto s = Session::open();
    const uint32_t nr_cpus = host_cpus(*s);
    std::vector<ts::DomId> doms;
    if (names.empty()) {
        for (const ts::DomainInfo& d : check(s->ts().control().list())) doms.push_back(d.domid);
    }
    for (const std::string& n : names) doms.push_back(s->resolve(n));
    std::string out = ts::vcpu_list_header();
    for (ts::DomId dom : doms) {
        auto vcpus = s->ts().control().vcpus(dom, nr_cpus);
        if (!vcpus) continue;  // gone meanwhile: xl skips it as well
        const auto name = s->name_of(dom);
        for (const ts::VcpuInfo& v : *vcpus) out += ts::vcpu_list_line(dom, name, v, nr_cpus);
    }
    std::cout << out;
}

void vcpu_pin(const PinOptions& o) {
    const bool all = o.vcpu == "all";
    if (!all && (o.vcpu.empty() || o.vcpu.find_first_not_of("0123456789") != std::string::npos)) {
        throw Failure("vcpu-pin: invalid argument " + o.vcpu + " as VCPU");
    }
    if (all && o.force) throw Failure("vcpu-pin: --force and 'all' as VCPU not allowed");
    const auto hard = parse_cpus(o.hard, "hard");
    const auto soft = parse_cpus(o.soft, "soft");
    if (!hard && !soft) return;  // "- -": nothing to change
    auto s = Session::open();
    const ts::DomId dom = s->resolve(o.domain);
    const uint32_t nr_cpus = host_cpus(*s);
    std::vector<uint32_t> vcpus;
    if (all) {
        auto info = check(s->ts().control().find(dom));
        if (info && info->max_vcpu_id) {
            for (uint32_t v = 0; v <= *info->max_vcpu_id; ++v) vcpus.push_back(v);
        }
    } else {
        vcpus.push_back(static_cast<uint32_t>(std::stoul(o.vcpu)));
    }
    for (uint32_t v : vcpus) {
        check(s->ts().control().set_affinity(dom, v, hard ? &*hard : nullptr,
                                             soft ? &*soft : nullptr, nr_cpus),
              "vcpu-pin: could not set affinity for vcpu " + std::to_string(v));
    }
}

}  // namespace

void register_vcpu_commands(CLI::App& app) {
    auto domains = std::make_shared<std::vector<std::string>>();
    app.add_subcommand("vcpu-list", "List the VCPUs for all/some domains")
        ->callback([domains] { vcpu_list(*domains); })
        ->add_option("domain", *domains, "Domains (default: all)");

    auto o = std::make_shared<PinOptions>();
    auto* pin = app.add_subcommand("vcpu-pin", "Set which CPUs a VCPU can use");
    pin->add_flag("-f,--force", o->force, "Undo an override pinning done by the kernel");
    pin->add_option("domain", o->domain, "Domain id or name")->required();
    pin->add_option("vcpu", o->vcpu, "VCPU number, or all")->required();
    pin->add_option("hard", o->hard, "Hard affinity: CPU list, all, or - to keep")->required();
    pin->add_option("soft", o->soft, "Soft affinity: CPU list, all, or - to keep");
    pin->callback([o] { vcpu_pin(*o); });
}

}  // namespace tessera::xl
