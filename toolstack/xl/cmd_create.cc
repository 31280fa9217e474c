// xl create: parse the configuration; with -n print it (and the DTB); otherwise build the
// domain, start its monitor and, with -c, attach to its console.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "toolstack/config_json.h"
#include "toolstack/domain_builder.h"
#include "toolstack/domain_config.h"
#include "xl.h"

namespace tessera::xl {
namespace {

namespace ts = tessera::toolstack;

struct CreateOptions {
    std::vector<std::string> args;  ///< the config file and KEY=VALUE settings, in any order
    std::string defconfig;
    std::string dtb_out;
    bool dryrun = false;
    bool quiet = false;
    bool paused = false;
    bool console = false;
    bool debug = false;
    bool foreground = false;
    bool no_monitor = false;
};

void write_file(const std::string& path, const std::vector<std::byte>& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    if (!out) throw Failure("cannot write " + path);
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure("cannot read " + path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Builds the DTB for --dtb-out: with the real placement when the boot files can be read.
std::vector<std::byte> dry_run_dtb(const ts::DomainConfig& config, bool quiet) {
    auto files = ts::read_boot_files(config);
    if (files) {
        auto plan = ts::plan_boot(config, *files, {});
        if (!plan) throw Failure(plan.error().message);
        if (!quiet) {
            std::cerr << "kernel at 0x" << std::hex << plan->layout.kernel.base;
            if (plan->layout.ramdisk) std::cerr << ", ramdisk at 0x" << plan->layout.ramdisk->base;
            std::cerr << ", device tree at 0x" << plan->layout.dtb.base << std::dec << "\n";
        }
        return std::move(plan->dtb);
    }
    std::cerr << "warning: " << files.error().message
              << "; the device tree's initrd addresses are placeholders\n";
    auto dtb = ts::preview_guest_dt(config);
    if (!dtb) throw Failure(dtb.error().message);
    return std::move(*dtb);
}

/// Builds and starts the domain; everything after the build is xl's (monitor, console).
int create(const CreateOptions& o, const std::string& config_file,
           const std::vector<std::string>& overrides, const ts::DomainConfig& config) {
    if (o.console && o.foreground) throw Failure("create: -c and -F cannot be used together");
    const std::string userdata =
        ts::config_userdata(read_text(config_file), overrides, config.uuid);
    auto session = Session::open();
    auto files = check(ts::read_boot_files(config), "create");
    auto created = check(session->ts().create(config, userdata, files, o.paused), "create");
    for (const std::string& w : created.warnings) std::cerr << w << "\n";
    const ts::DomId dom = created.build.domid;
    if (!o.quiet) std::cout << "Started domain " << config.name << " (domid " << dom << ")\n";
    std::cout.flush();
    // The monitor runs from "/" and re-reads the boot files on restart: absolute paths.
    ts::DomainConfig for_monitor = config;
    for_monitor.kernel = std::filesystem::absolute(config.kernel).string();
    if (!config.ramdisk.empty()) {
        for_monitor.ramdisk = std::filesystem::absolute(config.ramdisk).string();
    }
    if (o.foreground) return run_monitor_here(*session, dom, for_monitor, userdata);
    if (!o.no_monitor) spawn_monitor(dom, for_monitor, userdata);
    if (o.console) return attach_console(*session, dom, ts::ConsoleType::kPv, 0);
    return 0;
}

int run_create(const CreateOptions& o) {
    std::string config_file = o.defconfig;
    std::vector<std::string> overrides;
    for (const std::string& arg : o.args) {
        if (arg.find('=') != std::string::npos) {
            overrides.push_back(arg);
        } else if (config_file.empty()) {
            config_file = arg;
        } else {
            throw Failure("create: more than one configuration file (\"" + config_file +
                          "\" and \"" + arg + "\")");
        }
    }
    if (config_file.empty()) throw Failure("create: no configuration file given");
    if (!o.quiet) std::cerr << "Parsing config from " << config_file << "\n";
    auto parsed = ts::load_domain_config(config_file, overrides);
    if (!parsed) throw Failure(parsed.error().message);
    for (const std::string& w : parsed->warnings) std::cerr << w << "\n";
    if (!o.dryrun) return create(o, config_file, overrides, parsed->config);

    auto json = ts::config_to_json(parsed->config);
    if (!json) throw Failure(json.error().message);
    std::cout << *json;
    if (!o.dtb_out.empty()) write_file(o.dtb_out, dry_run_dtb(parsed->config, o.quiet));
    return 0;
}

}  // namespace

void register_create(CLI::App& app) {
    auto o = std::make_shared<CreateOptions>();
    auto* cmd = app.add_subcommand("create", "Create a domain from config file <ConfigFile>");
    cmd->add_option("args", o->args, "<ConfigFile> and KEY=VALUE settings overriding the file");
    cmd->add_option("-f,--defconfig", o->defconfig, "Use the given configuration file");
    cmd->add_flag("-n,--dryrun", o->dryrun, "Dry run: print the resulting configuration as JSON");
    cmd->add_option("--dtb-out", o->dtb_out, "With -n: also write the guest device tree to FILE");
    cmd->add_flag("-q,--quiet", o->quiet, "Quiet");
    cmd->add_flag("-p", o->paused, "Leave the domain paused after it is created");
    cmd->add_flag("-c", o->console, "Connect to the console after the domain is created");
    cmd->add_flag("-d", o->debug, "Enable debug messages");
    cmd->add_flag("-F", o->foreground, "Run in foreground until death of the domain");
    cmd->add_flag("-e", o->no_monitor, "Do not wait in the background for the death of the domain");
    cmd->callback([o] {
        if (const int status = run_create(*o); status != 0) throw ExitStatus(status);
    });
}

}  // namespace tessera::xl
