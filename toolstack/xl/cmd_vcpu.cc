// vcpu-list and vcpu-pin. CPU lists are checked with the library before the hypervisor is needed.
#include <memory>

#include "toolstack/cpu_set.h"
#include "xl.h"

namespace tessera::xl {
namespace {

struct PinOptions {
    std::string domain;
    std::string vcpu;
    std::string hard;
    std::string soft = "-";
    bool force = false;
};

/// "-" leaves an affinity unchanged; anything else must be a CPU list.
void check_cpus(const std::string& spec, const char* what) {
    if (spec == "-") return;
    auto set = toolstack::CpuSet::parse(spec);
    if (!set) throw Failure("vcpu-pin: " + std::string(what) + " affinity: " + set.error().message);
}

}  // namespace

void register_vcpu_commands(CLI::App& app) {
    auto domains = std::make_shared<std::vector<std::string>>();
    app.add_subcommand("vcpu-list", "List the VCPUs for all/some domains")
        ->callback([] { need_hypervisor("vcpu-list"); })
        ->add_option("domain", *domains, "Domains (default: all)");

    auto o = std::make_shared<PinOptions>();
    auto* pin = app.add_subcommand("vcpu-pin", "Set which CPUs a VCPU can use");
    pin->add_flag("-f,--force", o->force, "Undo an override pinning done by the kernel");
    pin->add_option("domain", o->domain, "Domain id or name")->required();
    pin->add_option("vcpu", o->vcpu, "VCPU number, or all")->required();
    pin->add_option("hard", o->hard, "Hard affinity: CPU list, all, or - to keep")->required();
    pin->add_option("soft", o->soft, "Soft affinity: CPU list, all, or - to keep");
    pin->callback([o] {
        if (o->vcpu != "all" && o->vcpu.find_first_not_of("0123456789") != std::string::npos) {
            throw Failure("vcpu-pin: VCPU must be a number or \"all\", got \"" + o->vcpu + "\"");
        }
        check_cpus(o->hard, "hard");
        check_cpus(o->soft, "soft");
        need_hypervisor("vcpu-pin");
    });
}

}  // namespace tessera::xl
