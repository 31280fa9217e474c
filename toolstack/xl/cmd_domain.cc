// Commands that look at domains: list, rename, domid, domname, uptime.
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

#include "toolstack/config_json.h"
#include "toolstack/listing.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

struct ListOptions {
    std::vector<std::string> domains;
    bool long_format = false;
    bool verbose = false;
};

/// The domains named on the command line, or all of them.
std::vector<ts::DomainInfo> selected(Session& s, const std::vector<std::string>& names) {
    if (names.empty()) return check(s.ts().control().list());
    std::vector<ts::DomainInfo> out;
    for (const std::string& name : names) {
        const ts::DomId dom = s.resolve(name);
        auto info = check(s.ts().control().find(dom));
        if (!info) throw Failure("domain '" + name + "' does not exist");
        out.push_back(*info);
    }
    return out;
}

void list(const ListOptions& o) {
    auto s = Session::open();
    const auto domains = selected(*s, o.domains);
    if (o.long_format) {
        // Domains without a stored configuration (domain 0) are left out, as xl does.
        std::vector<std::pair<uint32_t, ts::DomainConfig>> configs;
        for (const ts::DomainInfo& d : domains) {
            auto config = s->ts().stored_config(d.domid, d.uuid);
            if (!config) {
                std::cerr << "warning: domain " << d.domid << ": " << config.error().message
                          << "\n";
            } else if (*config) {
                configs.emplace_back(d.domid, std::move(**config));
            }
        }
        std::cout << check(ts::domains_to_json(configs)) << "\n";
        return;
    }
    std::string out = ts::list_header(o.verbose);
    for (const ts::DomainInfo& d : domains) out += ts::list_line(d, s->name_of(d.domid), o.verbose);
    std::cout << out;
}

/// Seconds dom0 has been up (/proc/uptime).
uint64_t dom0_uptime() {
    std::ifstream in("/proc/uptime");
    double seconds = 0;
    if (!(in >> seconds)) throw Failure("cannot get Dom0 uptime (/proc/uptime)");
    return static_cast<uint64_t>(seconds);
}

void uptime(const std::vector<std::string>& names, bool short_mode) {
    auto s = Session::open();
    const std::time_t now = std::time(nullptr);
    std::vector<ts::DomId> doms;
    for (const std::string& n : names) doms.push_back(s->resolve(n));
    if (names.empty()) {
        doms.push_back(0);
        for (const ts::DomainInfo& d : check(s->ts().control().list())) {
            if (d.domid != 0) doms.push_back(d.domid);
        }
    }
    std::string out = short_mode ? "" : ts::uptime_header();
    for (ts::DomId dom : doms) {
        uint64_t seconds = 0;
        if (dom == 0) {
            seconds = dom0_uptime();
        } else {
            auto start = check(s->ts().xenstore().start_time(dom));
            if (!start) continue;  // not created by a toolstack: xl skips it too
            seconds = static_cast<uint64_t>(now) > *start ? static_cast<uint64_t>(now) - *start : 0;
        }
        out += ts::uptime_line(s->name_of(dom), dom, seconds, short_mode, now);
    }
    std::cout << out;
}

}  // namespace

void register_domain_commands(CLI::App& app) {
    auto o = std::make_shared<ListOptions>();
    auto* list_cmd = app.add_subcommand("list", "List information about all/some domains");
    list_cmd->add_flag("-l,--long", o->long_format, "Output all VM details (as JSON)");
    list_cmd->add_flag("-v,--verbose", o->verbose, "Print out UUIDs and security context");
    list_cmd->add_option("domain", o->domains, "Domains to list (default: all)");
    list_cmd->callback([o] { list(*o); });

    auto rename = std::make_shared<std::pair<std::string, std::string>>();
    auto* rename_cmd = app.add_subcommand("rename", "Rename a domain");
    rename_cmd->add_option("domain", rename->first, "Domain id or name")->required();
    rename_cmd->add_option("new-name", rename->second, "New domain name")->required();
    rename_cmd->callback([rename] {
        auto s = Session::open();
        check(s->ts().rename(s->resolve(rename->first), rename->second), "rename");
    });

    auto name = std::make_shared<std::string>();
    app.add_subcommand("domid", "Convert a domain name to domain id")
        ->callback([name] {
            auto s = Session::open();
            auto dom = check(s->ts().find_by_name(*name));
            if (!dom) {
                throw Failure("can't get domid of domain name '" + *name +
                              "', maybe this domain does not exist");
            }
            std::cout << *dom << "\n";
        })
        ->add_option("name", *name, "Domain name")
        ->required();

    auto id = std::make_shared<ts::DomId>(0);
    app.add_subcommand("domname", "Convert a domain id to domain name")
        ->callback([id] {
            auto s = Session::open();
            auto info = check(s->ts().control().find(*id));
            auto n = info ? s->name_of(*id) : std::nullopt;
            if (!n) {
                throw Failure("can't get domain name of domain id '" + std::to_string(*id) +
                              "', maybe this domain does not exist");
            }
            std::cout << *n << "\n";
        })
        ->add_option("domid", *id, "Domain id")
        ->required();

    auto up = std::make_shared<ListOptions>();
    auto* uptime_cmd = app.add_subcommand("uptime", "Print uptime for all/some domains");
    uptime_cmd->add_flag("-s", up->verbose, "Short format, without header");
    uptime_cmd->add_option("domain", up->domains, "Domains (default: all)");
    uptime_cmd->callback([up] { uptime(up->domains, up->verbose); });
}

}  // namespace tessera::xl
