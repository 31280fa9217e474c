// xl command registration (one function per command group, see docs/toolstack.md) and what
// the commands share: failures, the session with the hypervisor and xenstore, domain lookup.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "foreignmem/foreign_memory.hpp"
#include "hvcall/privcmd.hpp"
#include "toolstack/console.h"
#include "toolstack/toolstack.h"
#include "xs/client.hpp"

namespace tessera::xl {

/// A command failed; main prints "xl: <what>" and exits with status 1.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A command ends with a non-zero status it has already explained (main exits with it).
class ExitStatus : public std::exception {
public:
    explicit ExitStatus(int status) : status_(status) {}
    int status() const { return status_; }
    const char* what() const noexcept override { return "exit status"; }

private:
    int status_;
};

/// create.
void register_create(CLI::App& app);
/// list, rename, domid, domname, uptime.
void register_domain_commands(CLI::App& app);
/// destroy, shutdown, reboot, pause, unpause.
void register_control_commands(CLI::App& app);
/// console.
void register_console_command(CLI::App& app);
/// vcpu-list, vcpu-pin.
void register_vcpu_commands(CLI::App& app);
/// info, dmesg.
void register_host_commands(CLI::App& app);
/// block-attach, block-detach, block-list, network-attach, network-detach, network-list.
void register_device_commands(CLI::App& app);

/// privcmd alone, for the host-wide commands that need no xenstore (info, dmesg). Fails with
/// "cannot open /dev/xen/privcmd: ..." where there is no hypervisor.
xen::Privcmd open_hypervisor();

/// Everything a domain command needs: privcmd, foreign mappings, a xenstored connection and
/// the toolstack over them. Not movable (the toolstack refers to its members).
class Session {
public:
    /// Opens them all; throws Failure naming what could not be opened.
    static std::unique_ptr<Session> open();

    toolstack::Toolstack& ts() { return ts_; }
    xen::Hypervisor& hypervisor() { return privcmd_; }
    xs::Client& xenstore() { return xs_; }

    /// The domain a command-line argument names (id or name); throws Failure if none.
    toolstack::DomId resolve(std::string_view qualifier);
    /// The name listings show ("(null)"-able), failing loudly on xenstore errors.
    std::optional<std::string> name_of(toolstack::DomId dom);

private:
    Session(xen::Privcmd privcmd, xen::PrivcmdForeignMemory memory, xs::Client xs);

    xen::Privcmd privcmd_;
    xen::PrivcmdForeignMemory memory_;
    xs::Client xs_;
    toolstack::Toolstack ts_;
};

/// The value of a toolstack Result, or Failure("<context>: <message>") (no prefix if empty).
template <typename T>
T check(toolstack::Result<T> r, std::string_view context = {}) {
    if (!r) {
        throw Failure(context.empty() ? r.error().message
                                      : std::string(context) + ": " + r.error().message);
    }
    if constexpr (!std::is_void_v<T>) return std::move(*r);
}

/// Starts the background monitor of a new domain (xl's daemonized child): it applies
/// on_poweroff/on_reboot/on_crash and ends when the domain is destroyed. Logs to
/// /var/log/xen/xl-NAME.log. Returns in the calling process only.
void spawn_monitor(toolstack::DomId dom, const toolstack::DomainConfig& config,
                   const std::string& userdata);
/// The same, in this process (xl create -F), logging to stderr; returns the exit status.
int run_monitor_here(Session& session, toolstack::DomId dom, const toolstack::DomainConfig& config,
                     const std::string& userdata);

/// `xl console` for an already resolved domain; returns the exit status.
int attach_console(Session& session, toolstack::DomId dom, toolstack::ConsoleType type,
                   unsigned num);

}  // namespace tessera::xl
