// The toolstack's xenstore operations (what libxl does in domain_make, domain_rename,
// pvcontrol and devices_destroy/domain_destroy).
#include "toolstack/xs_domains.h"

#include <xen/io/xenbus.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

namespace tessera::toolstack {
namespace {

Error from_xs(const std::string& what, const xs::Error& e) {
    return Error{what + ": " + e.message};
}

template <typename T>
Result<T> named(const std::string& what, xs::Result<T> r) {
    if (!r) return std::unexpected(from_xs(what, r.error()));
    if constexpr (std::is_void_v<T>) {
        return {};
    } else {
        return std::move(*r);
    }
}

/// Children of `path`, empty if it does not exist.
xs::Result<std::vector<std::string>> children(xs::Client& xs, const std::string& path,
                                              xs::TxId tx = xs::kNoTransaction) {
    auto names = xs.directory(path, tx);
    if (!names && names.error().code == ENOENT) return std::vector<std::string>{};
    return names;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The "/local/domain/B/backend/KIND/N" directory of a backend path the frontend gives, when it
/// has exactly the shape "/local/domain/B/backend/KIND/N/DEVID" for this domain N. Frontend
/// nodes belong to the guest: anything else it wrote there must not steer our deletions.
std::optional<std::string> backend_dir_of(const std::string& path, DomId dom) {
    std::vector<std::string_view> parts;
    std::string_view rest(path);
    if (!rest.starts_with('/')) return std::nullopt;
    rest.remove_prefix(1);
    while (!rest.empty()) {
        const size_t slash = rest.find('/');
        parts.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    // local domain B backend KIND N DEVID
    if (parts.size() != 7 || parts[0] != "local" || parts[1] != "domain" || !all_digits(parts[2]) ||
        parts[3] != "backend" || parts[4].empty() || parts[4].find('.') != std::string_view::npos ||
        parts[5] != std::to_string(dom) || !all_digits(parts[6])) {
        return std::nullopt;
    }
    return path.substr(0, path.rfind('/'));
}

xs::Result<void> rm_if_present(xs::Client& xs, const std::string& path, xs::TxId tx) {
    auto r = xs.rm(path, tx);
    if (!r && r.error().code == ENOENT) return {};
    return r;
}

}  // namespace

std::string domain_path(DomId dom) {
    return "/local/domain/" + std::to_string(dom);
}

std::string start_time_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02ld", static_cast<long long>(ts.tv_sec),
                  ts.tv_nsec / 10000000);
    return buf;
}

Result<void> XenstoreDomains::write(std::span<const XsEntry> entries) {
    auto r = xs_.transaction([&](xs::TxId tx) -> xs::Result<void> {
        for (const XsEntry& e : entries) {
            if (auto w = xs_.write(e.path, e.value, tx); !w) {
                return std::unexpected(
                    xs::Error{w.error().code, e.path + ": " + w.error().message});
            }
            std::vector<xs::Permission> perms;
            for (const XsPerm& p : e.perms) perms.push_back({p.domid, p.kind});
            if (perms.empty()) continue;
            if (auto s = xs_.set_perms(e.path, perms, tx); !s) {
                return std::unexpected(
                    xs::Error{s.error().code, e.path + ": " + s.error().message});
            }
        }
        return {};
    });
    return named("xenstore", std::move(r));
}

Result<void> XenstoreDomains::introduce_domain(DomId dom, uint64_t store_gfn, uint32_t port) {
    return named("XS_INTRODUCE", xs_.introduce(dom, store_gfn, port));
}

Result<std::vector<std::string>> XenstoreDomains::backend_paths(DomId dom) {
    const std::string dpath = domain_path(dom);
    std::vector<std::string> out;
    if (auto console = read(dpath + "/console/backend"); console && *console) {
        out.push_back(**console);
    }
    auto kinds = children(xs_, dpath + "/device");
    if (!kinds) return std::unexpected(from_xs("xenstore", kinds.error()));
    for (const std::string& kind : *kinds) {
        auto devs = children(xs_, dpath + "/device/" + kind);
        if (!devs) return std::unexpected(from_xs("xenstore", devs.error()));
        for (const std::string& dev : *devs) {
            auto back = read(dpath + "/device/" + kind + "/" + dev + "/backend");
            if (!back) return std::unexpected(back.error());
            if (*back && !(*back)->empty()) out.push_back(**back);
        }
    }
    return out;
}

Result<void> XenstoreDomains::forget_domain(DomId dom, const Uuid& uuid) {
    const std::string dpath = domain_path(dom);
    const std::string id = std::to_string(dom);
    auto backends = backend_paths(dom);
    if (!backends) return std::unexpected(backends.error());
    auto vm = read(dpath + "/vm");
    if (!vm) return std::unexpected(vm.error());
    // Only a "/vm/<one component>" path is ours to remove.
    const bool vm_ok = *vm && (*vm)->starts_with("/vm/") && (*vm)->size() > 4 &&
                       (*vm)->find('/', 4) == std::string::npos;
    const std::string vm_path = vm_ok ? **vm : "/vm/" + uuid.str();

    std::set<std::string> doomed;
    for (const std::string& back : *backends) {
        if (auto dir = backend_dir_of(back, dom)) doomed.insert(*dir);
    }
    auto r = xs_.transaction([&](xs::TxId tx) -> xs::Result<void> {
        // Backends dom0 serves, even if the frontend side is already gone.
        auto kinds = children(xs_, "/local/domain/0/backend", tx);
        if (!kinds) return std::unexpected(kinds.error());
        for (const std::string& kind : *kinds) {
            if (auto r = rm_if_present(xs_, "/local/domain/0/backend/" + kind + "/" + id, tx); !r)
                return r;
        }
        for (const std::string& path : doomed) {
            if (auto r = rm_if_present(xs_, path, tx); !r) return r;
        }
        for (const std::string& path : {dpath, vm_path, "/libxl/" + id}) {
            if (auto r = rm_if_present(xs_, path, tx); !r) return r;
        }
        return {};
    });
    if (!r) return std::unexpected(from_xs("xenstore cleanup of domain " + id, r.error()));
    // xenstored forgets the domain's connection; one it never introduced is ENOENT.
    if (auto rel = xs_.release(dom); !rel && rel.error().code != ENOENT) {
        return std::unexpected(from_xs("XS_RELEASE", rel.error()));
    }
    return {};
}

Result<std::optional<std::string>> XenstoreDomains::read(const std::string& path) {
    auto v = xs_.read(path);
    if (!v) {
        if (v.error().code == ENOENT) return std::optional<std::string>{};
        return std::unexpected(from_xs(path, v.error()));
    }
    return std::optional<std::string>{std::move(*v)};
}

Result<std::optional<std::string>> XenstoreDomains::name(DomId dom) {
    return read(domain_path(dom) + "/name");
}

Result<std::optional<uint64_t>> XenstoreDomains::start_time(DomId dom) {
    auto vm = read(domain_path(dom) + "/vm");
    if (!vm) return std::unexpected(vm.error());
    if (!*vm) return std::optional<uint64_t>{};
    auto text = read(**vm + "/start_time");
    if (!text) return std::unexpected(text.error());
    if (!*text) return std::optional<uint64_t>{};
    uint64_t seconds = 0;
    const std::string& s = **text;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (ec != std::errc()) return std::optional<uint64_t>{};
    return std::optional<uint64_t>{seconds};
}

Result<void> XenstoreDomains::rename(DomId dom, const std::string& new_name) {
    const std::string dpath = domain_path(dom);
    auto r = xs_.transaction([&](xs::TxId tx) -> xs::Result<void> {
        if (auto w = xs_.write(dpath + "/name", new_name, tx); !w) return w;
        auto vm = xs_.read(dpath + "/vm", tx);
        if (!vm)
            return vm.error().code == ENOENT ? xs::Result<void>{} : std::unexpected(vm.error());
        if (vm->empty()) return {};
        return xs_.write(*vm + "/name", new_name, tx);
    });
    return named("xenstore rename", std::move(r));
}

Result<void> XenstoreDomains::write_control(DomId dom, const std::string& command) {
    const std::string path = domain_path(dom) + "/control/shutdown";
    return named(path, xs_.write(path, command));
}

Result<bool> XenstoreDomains::wait_for(const std::string& path, const NodeTest& done,
                                       std::chrono::milliseconds timeout,
                                       const std::function<bool()>& stop) {
    static unsigned serial = 0;
    const std::string token = "tessera-xl-wait-" + std::to_string(++serial);
    if (auto w = xs_.watch(path, token); !w) return std::unexpected(from_xs(path, w.error()));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Result<bool> reached = false;
    for (;;) {
        auto value = read(path);
        if (!value) {
            reached = std::unexpected(value.error());
            break;
        }
        if (done(*value) || (stop && stop())) {
            reached = true;
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        // Poll at least every second: `stop` may turn true without any xenstore change.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        auto event = xs_.wait_watch_for(std::min(left, std::chrono::milliseconds(1000)));
        if (!event) {
            reached = std::unexpected(from_xs("xenstore watch", event.error()));
            break;
        }
        // A transport without a descriptor answers at once: do not spin.
        if (!*event && xs_.native_handle() < 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    (void)xs_.unwatch(path, token);
    return reached;
}

Result<BackendAnswer> XenstoreDomains::await_backend(const std::string& backend,
                                                    std::chrono::milliseconds timeout) {
    // XenbusState (xen/io/xenbus.h): InitWait (2) and later take it; Closing (5) and Closed (6)
    // refuse it.
    const auto state_of = [](const std::optional<std::string>& v) {
        int n = 0;
        if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc()) return 0;
        return n;
    };
    const std::string state = backend + "/state";
    auto answered = wait_for(
        state, [&](const auto& v) { return state_of(v) >= XenbusStateInitWait; }, timeout);
    if (!answered) return std::unexpected(answered.error());
    if (!*answered) return BackendAnswer{BackendAnswer::kSilent, {}};
    auto now = read(state);
    if (!now) return std::unexpected(now.error());
    const int reached = state_of(*now);
    if (reached < XenbusStateClosing) return BackendAnswer{BackendAnswer::kTaken, {}};
    auto error = read(backend + "/error");
    if (!error) return std::unexpected(error.error());
    return BackendAnswer{BackendAnswer::kRefused,
                         *error && !(*error)->empty() ? **error
                                                       : "it went to state " + std::to_string(reached)};
}

Result<bool> XenstoreDomains::wait_control_ack(DomId dom, std::chrono::milliseconds timeout,
                                               const std::function<bool()>& stop) {
    // The guest takes the request by emptying or removing the node.
    return wait_for(domain_path(dom) + "/control/shutdown",
                    [](const std::optional<std::string>& v) { return !v || v->empty(); }, timeout,
                    stop);
}

Result<std::vector<std::string>> XenstoreDomains::list(const std::string& path) {
    return named(path, children(xs_, path));
}

Result<void> XenstoreDomains::remove(std::span<const std::string> paths) {
    auto r = xs_.transaction([&](xs::TxId tx) -> xs::Result<void> {
        for (const std::string& path : paths) {
            if (auto rm = rm_if_present(xs_, path, tx); !rm) return rm;
        }
        return {};
    });
    return named("xenstore remove", std::move(r));
}

}  // namespace tessera::toolstack
