// Commands that need the hypervisor stop here until domain control lands (issue: unprivileged
// guests). Opening privcmd first gives the same clear error as Xen's xl when it is absent.
#include "hvcall/privcmd.hpp"
#include "xl.h"

namespace tessera::xl {

void need_hypervisor(std::string_view command) {
    auto privcmd = tessera::xen::Privcmd::open();
    if (!privcmd) throw Failure(privcmd.error().message);
    throw Failure(
        std::string(command) +
        ": not available yet: this xl cannot control domains (domctl support is pending)");
}

}  // namespace tessera::xl
