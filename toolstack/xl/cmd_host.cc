// Host-wide commands: info and dmesg (privcmd only, no xenstore).
#include <sys/utsname.h>

#include <iostream>
#include <memory>

#include "toolstack/domain_control.h"
#include "toolstack/listing.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

void info(const std::string& filter) {
    auto privcmd = open_hypervisor();
    ts::DomainControl control(privcmd);
    ts::HostFacts facts;
    utsname uts{};
    if (::uname(&uts) == 0) {
        facts.host = uts.nodename;
        facts.release = uts.release;
        facts.version = uts.version;
        facts.machine = uts.machine;
    }
    facts.physinfo = check(control.physinfo(), "info");
    if (auto v = control.version()) {
        facts.xen = std::move(*v);
    } else {
        std::cerr << "warning: " << v.error().message << "\n";
    }
    facts.scheduler = control.scheduler_name();
    std::cout << ts::format_info(ts::info_lines(facts), filter);
}

}  // namespace

void register_host_commands(CLI::App& app) {
    auto numa = std::make_shared<bool>(false);
    auto key = std::make_shared<std::string>();
    auto* info_cmd = app.add_subcommand("info", "Get information about the hypervisor and host");
    info_cmd->add_flag("-n,--numa", *numa, "List host NUMA topology information (none here)");
    info_cmd->add_option("key", *key, "Print only this item's value (e.g. free_memory)");
    info_cmd->callback([key] { info(*key); });

    auto clear = std::make_shared<bool>(false);
    app.add_subcommand("dmesg", "Read and/or clear the hypervisor's message buffer")
        ->callback([clear] {
            auto privcmd = open_hypervisor();
            ts::DomainControl control(privcmd);
            std::cout << check(control.read_console(*clear), "dmesg");
        })
        ->add_flag("-c,--clear", *clear, "Clear the buffer as well as printing it");
}

}  // namespace tessera::xl
