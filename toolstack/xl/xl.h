// xl command registration: one function per command group (see docs/toolstack.md).
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tessera::xl {

/// A command failed; main prints "xl: <what>" and exits with status 1.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// create.
void register_create(CLI::App& app);
/// list, destroy, shutdown, reboot, pause, unpause, rename, domid, domname, uptime, console.
void register_domain_commands(CLI::App& app);
/// vcpu-list, vcpu-pin.
void register_vcpu_commands(CLI::App& app);
/// info, dmesg.
void register_host_commands(CLI::App& app);

/// For commands that act on the running system: fails with "cannot open /dev/xen/privcmd: ..."
/// when there is no hypervisor, or says the command is not available yet when there is one.
[[noreturn]] void need_hypervisor(std::string_view command);

}  // namespace tessera::xl
