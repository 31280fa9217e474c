// Opening the hypervisor and xenstore for xl's commands; domain lookup with xl's messages.
#include "xl.h"

namespace tessera::xl {

namespace ts = tessera::toolstack;

xen::Privcmd open_hypervisor() {
    auto privcmd = xen::Privcmd::open();
    if (!privcmd) throw Failure(privcmd.error().message);
    return std::move(*privcmd);
}

Session::Session(xen::Privcmd privcmd, xen::PrivcmdForeignMemory memory, xs::Client xs)
    : privcmd_(std::move(privcmd)),
      memory_(std::move(memory)),
      xs_(std::move(xs)),
      ts_(privcmd_, memory_, xs_) {}

std::unique_ptr<Session> Session::open() {
    xen::Privcmd privcmd = open_hypervisor();
    auto memory = xen::PrivcmdForeignMemory::open();
    if (!memory) throw Failure(memory.error().message);
    const std::string socket = xs::default_socket_path();
    auto client = xs::Client::open(socket);
    if (!client) {
        throw Failure("cannot connect to xenstored: " + client.error().message +
                      " (is xenstored running?)");
    }
    return std::unique_ptr<Session>(
        new Session(std::move(privcmd), std::move(*memory), std::move(*client)));
}

ts::DomId Session::resolve(std::string_view qualifier) {
    return check(ts_.resolve(qualifier));
}

std::optional<std::string> Session::name_of(ts::DomId dom) {
    return check(ts_.name_of(dom));
}

}  // namespace tessera::xl
