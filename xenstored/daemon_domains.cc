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
    const auto it = domains_.find(*id);
    if (it == domains_.end()) return ENOENT;
    it->second.shutdown = false;  // a later shutdown is news again
    r.reply = kOk;
    return 0;
}

std::vector<std::pair<DomId, DomainStatus>> Daemon::check_domains(
    const std::function<DomainStatus(DomId)>& status) {
    std::vector<std::pair<DomId, DomainStatus>> changed;
    std::vector<DomId> dead;
    bool newly_shut_down = false;
    for (auto& [id, d] : domains_) {
        if (id == 0) continue;  // dom0 runs us
        const DomainStatus s = status(id);
        if (s == DomainStatus::kShutdown && !d.shutdown) {
            d.shutdown = true;
            newly_shut_down = true;
            changed.emplace_back(id, s);
        } else if (s == DomainStatus::kDying || s == DomainStatus::kGone) {
            dead.push_back(id);
            changed.emplace_back(id, s);
        }
    }
    for (const DomId id : dead) release(id);  // each fires @releaseDomain
    if (newly_shut_down && dead.empty()) {
        fire(Change{"@releaseDomain", false, special_["@releaseDomain"]});
    }
    return changed;
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
