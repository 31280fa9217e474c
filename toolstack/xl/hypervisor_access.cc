// Commands that need the hypervisor stop here until the privcmd implementation exists.
#include "toolstack/privcmd.h"
#include "xl.h"

namespace tessera::xl {

void need_hypervisor(std::string_view command) {
    auto fd = toolstack::open_privcmd();
    if (!fd) throw Failure(fd.error().message);
    throw Failure(
        std::string(command) +
        ": not available yet: this xl cannot talk to the hypervisor (no privcmd backend)");
}

}  // namespace tessera::xl
