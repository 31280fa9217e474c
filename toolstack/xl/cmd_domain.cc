// Commands on existing domains: list, console, destroy, shutdown, reboot, pause, unpause, rename,
// domid, domname, uptime. They all need the hypervisor.
#include <memory>

#include "xl.h"

namespace tessera::xl {
namespace {

struct DomainOptions {
    std::vector<std::string> domains;
    std::string new_name;
    std::string console_type;
    unsigned console_number = 0;
    bool long_format = false;
    bool verbose = false;
    bool force = false;
    bool all = false;
    bool wait = false;
    bool acpi_fallback = false;
    bool seconds = false;
};

/// Adds a subcommand whose callback needs the hypervisor; returns it for its options.
CLI::App* command(CLI::App& app, const std::string& name, const std::string& summary) {
    auto* cmd = app.add_subcommand(name, summary);
    cmd->callback([name] { need_hypervisor(name); });
    return cmd;
}

void add_domain(CLI::App* cmd, DomainOptions& o, bool required = true) {
    auto* opt = cmd->add_option("domain", o.domains, "Domain id or name")->expected(1);
    if (required) opt->required();
}

}  // namespace

void register_domain_commands(CLI::App& app) {
    auto o = std::make_shared<DomainOptions>();

    auto* list = command(app, "list", "List information about all/some domains");
    list->add_flag("-l,--long", o->long_format, "Output all VM details (as JSON)");
    list->add_flag("-v,--verbose", o->verbose, "Print out UUIDs and security context");
    list->add_option("domain", o->domains, "Domains to list (default: all)");

    auto* console = command(app, "console", "Attach to domain's console");
    console->add_option("-t", o->console_type, "Console type: pv, serial or vuart")
        ->check(CLI::IsMember({"pv", "serial", "vuart"}));
    console->add_option("-n", o->console_number, "Console number");
    add_domain(console, *o);

    auto* destroy = command(app, "destroy", "Terminate a domain immediately");
    destroy->add_flag("-f", o->force, "Permit destroying domain 0");
    add_domain(destroy, *o);

    for (auto [name, summary] : {std::pair{"shutdown", "Issue a shutdown signal to a domain"},
                                 std::pair{"reboot", "Issue a reboot signal to a domain"}}) {
        auto* cmd = command(app, name, summary);
        cmd->add_flag("-a,--all", o->all, "Signal all guest domains");
        cmd->add_flag("-w,--wait", o->wait, "Wait for the guest(s) to finish");
        cmd->add_flag("-F", o->acpi_fallback, "Fall back to an ACPI event (HVM only; ignored)");
        auto* domain = cmd->add_option("domain", o->domains, "Domain id or name")->expected(1);
        domain->excludes(cmd->get_option("--all"));
        cmd->require_option(1);
    }

    add_domain(command(app, "pause", "Pause execution of a domain"), *o);
    add_domain(command(app, "unpause", "Unpause a paused domain"), *o);

    auto* rename = command(app, "rename", "Rename a domain");
    add_domain(rename, *o);
    rename->add_option("new-name", o->new_name, "New domain name")->required();

    app.add_subcommand("domid", "Convert a domain name to domain id")
        ->callback([] { need_hypervisor("domid"); })
        ->add_option("name", o->new_name, "Domain name")
        ->required();
    app.add_subcommand("domname", "Convert a domain id to domain name")
        ->callback([] { need_hypervisor("domname"); })
        ->add_option("domid", o->domains, "Domain id")
        ->check(CLI::NonNegativeNumber)
        ->expected(1)
        ->required();

    auto* uptime = command(app, "uptime", "Print uptime for all/some domains");
    uptime->add_flag("-s", o->seconds, "Short format, without header");
    uptime->add_option("domain", o->domains, "Domains (default: all)");
}

}  // namespace tessera::xl
