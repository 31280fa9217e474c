// xl: the Tessera toolstack's command line. Parsing and printing only; the work is in
// tessera_toolstack.
#include <iostream>

#include "xl.h"

namespace {

/// `xl help [COMMAND]`: the command list, or one command's options.
void register_help(CLI::App& app) {
    auto* help = app.add_subcommand("help", "Print the list of commands, or a command's help");
    auto command = std::make_shared<std::string>();
    help->add_option("command", *command, "Command to describe");
    help->callback([&app, help, command] {
        const auto formatter = app.get_formatter();
        if (command->empty()) {
            std::cout << formatter->make_help(&app, "xl", CLI::AppFormatMode::Normal);
            return;
        }
        for (CLI::App* sub : app.get_subcommands({})) {
            if (sub->get_name() == *command && sub != help) {
                std::cout << formatter->make_help(sub, *command, CLI::AppFormatMode::Sub);
                return;
            }
        }
        throw tessera::xl::Failure("help: unknown command \"" + *command + "\"");
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"xl: create and manage Tessera (Xen-compatible) domains", "xl"};
    app.require_subcommand(0, 1);
    app.fallthrough(false);
    register_help(app);
    tessera::xl::register_create(app);
    tessera::xl::register_domain_commands(app);
    tessera::xl::register_control_commands(app);
    tessera::xl::register_console_command(app);
    tessera::xl::register_vcpu_commands(app);
    tessera::xl::register_host_commands(app);
    tessera::xl::register_device_commands(app);
    try {
        app.parse(argc, argv);
        if (app.get_subcommands().empty()) {
            std::cerr << app.help();
            return 1;
        }
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const tessera::xl::ExitStatus& e) {
        return e.status();
    } catch (const tessera::xl::Failure& e) {
        std::cerr << "xl: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "xl: unexpected error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
