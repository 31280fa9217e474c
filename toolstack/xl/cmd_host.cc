// Host-wide commands: info and dmesg.
#include <memory>

#include "xl.h"

namespace tessera::xl {

void register_host_commands(CLI::App& app) {
    auto numa = std::make_shared<bool>(false);
    app.add_subcommand("info", "Get information about the hypervisor and host")
        ->callback([] { need_hypervisor("info"); })
        ->add_flag("-n,--numa", *numa, "List host NUMA topology information");

    auto clear = std::make_shared<bool>(false);
    app.add_subcommand("dmesg", "Read and/or clear the hypervisor's message buffer")
        ->callback([] { need_hypervisor("dmesg"); })
        ->add_flag("-c", *clear, "Clear the buffer as well as printing it");
}

}  // namespace tessera::xl
