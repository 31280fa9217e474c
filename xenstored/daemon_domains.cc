// INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, RESUME, SET_TARGET.
#include <cerrno>
#include <limits>

#include "daemon.hpp"
#include "path.hpp"

namespace tessera::xenstored {

namespace {

constexpr std::string_view kOk{"OK\0", 3};

std::optional<DomId> domid_arg(std::string_view s) {
    const auto v = parse_number(s);
    if (!v || *v >= 0x7FF0) return std::nullopt;  // DOMID_FIRST_RESERVED (xen.h)
    return static_cast<DomId>(*v);
}

}  // namespace

int Daemon::do_introduce(Request& r) {
    if (r.args.size() < 3) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    const auto mfn = parse_number(r.args[1]);
    const auto port = parse_number(r.args[2]);
    if (!id || !mfn || !port || *port > std::numeric_limits<std::uint32_t>::max()) return EINVAL;
    if (*id == 0) return EINVAL;  // dom0's ring is attached at start-up, never introduced
    if (const int err = introduce(*id, *mfn, static_cast<std::uint32_t>(*port), true)) return err;
    r.reply = kOk;
    return 0;
}

int Daemon::do_release(Request& r) {
    if (r.args.size() != 1) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    if (!id || *id == 0) return EINVAL;
    if (const int err = release(*id)) return err;
    r.reply = kOk;
    return 0;
}

int Daemon::do_is_domain_introduced(Request& r) {
    if (r.args.size() != 1) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    if (!id) return EINVAL;
    const bool known = *id == 0 || domains_.contains(*id);
    r.reply = known ? std::string("T\0", 2) : std::string("F\0", 2);
    return 0;
}

int Daemon::do_get_domain_path(Request& r) {
    if (r.args.size() != 1) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    if (!id) return EINVAL;
    r.reply = domain_path(*id);
    r.reply.push_back('\0');
    return 0;
}

int Daemon::do_resume(Request& r) {
    if (r.args.size() != 1) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    if (!id) return EINVAL;
    if (!domains_.contains(*id)) return ENOENT;
    r.reply = kOk;  // we keep no shutdown state to clear
    return 0;
}

int Daemon::do_set_target(Request& r) {
    if (r.args.size() != 2) return EINVAL;
    const auto id = domid_arg(r.args[0]);
    const auto target = domid_arg(r.args[1]);
    if (!id || !target) return EINVAL;
    if (const int err = set_target(*id, *target)) return err;
    r.reply = kOk;
    return 0;
}

}  // namespace tessera::xenstored
