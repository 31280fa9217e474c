// Domain lifecycle: scanning, connecting and dropping consoles (the loops are in
// daemon_loops.cc).
#include "daemon.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "hvcall/control.hpp"

namespace tessera::consoled {

namespace {

constexpr const char* kIntroduceToken = "introduce";
constexpr const char* kReleaseToken = "release";
constexpr const char* kConsoleTokenPrefix = "console/";

std::string domain_path(domid_t id) {
    return "/local/domain/" + std::to_string(id);
}

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

/// A guest domain id from a /local/domain child name (not dom0, not a reserved id).
std::optional<domid_t> guest_domid(std::string_view s) {
    const auto v = number(s);
    if (!v || *v == 0 || *v >= DOMID_FIRST_RESERVED) return std::nullopt;
    return static_cast<domid_t>(*v);
}

}  // namespace

std::string log_file_name(const std::string& name, domid_t domid) {
    std::string safe;
    for (const char c : name.substr(0, 64)) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '+';
        safe.push_back(ok ? c : '_');
    }
    if (safe.empty() || safe == "." || safe == "..") safe = "dom" + std::to_string(domid);
    return "guest-" + safe + ".log";
}

Daemon::Daemon(asio::io_context& io, Devices devices, ConsoleStore& store, Options options)
    : io_(io),
      devices_(devices),
      store_(store),
      options_(std::move(options)),
      event_fd_(io),
      store_fd_(io) {}

Daemon::~Daemon() {
    stop();
    *alive_ = false;
}

void Daemon::say(const std::string& line) const {
    if (options_.log) {
        options_.log(line);
    } else {
        std::fprintf(stderr, "tessera-consoled: %s\n", line.c_str());
    }
}

void Daemon::say_once(const std::string& key, const std::string& line) {
    if (said_.insert(key).second) say(line);
}

std::shared_ptr<Console> Daemon::console(domid_t domid) const {
    const auto it = domains_.find(domid);
    return it == domains_.end() ? nullptr : it->second.console;
}

std::set<domid_t> Daemon::domains() const {
    std::set<domid_t> out;
    for (const auto& [id, d] : domains_) out.insert(id);
    return out;
}

bool Daemon::alive(domid_t id, bool in_store) {
    if (devices_.hv != nullptr) {
        const auto life = xen::domain_life(*devices_.hv, id);
        if (life) return *life == xen::DomainLife::running || *life == xen::DomainLife::shutdown;
        say_once("life:" + life.error().message,
                 life.error().message + ": domain lifetime taken from xenstore");
    }
    return in_store;
}

void Daemon::rescan() {
    if (stopped_) return;
    std::set<domid_t> present;
    if (auto names = store_.directory("/local/domain"); names) {
        for (const auto& name : *names) {
            if (const auto id = guest_domid(name)) present.insert(*id);
        }
    } else if (names.error().code != ENOENT) {
        say("listing /local/domain: " + names.error().message);
        return;  // not a reason to drop every console
    }
    for (const domid_t id : domains()) {
        if (!alive(id, present.contains(id))) remove(id);
    }
    for (const domid_t id : present) {
        if (!domains_.contains(id)) {
            if (!alive(id, true)) continue;  // stale xenstore entries of a dead domain
            const std::string token = kConsoleTokenPrefix + std::to_string(id);
            if (auto w = store_.watch(domain_path(id) + "/console", token); !w) {
                say("domain " + std::to_string(id) + ": watch: " + w.error().message);
            }
            domains_[id].id = id;
        }
        if (const auto it = domains_.find(id); it != domains_.end()) evaluate(it->second);
    }
}

void Daemon::evaluate(Domain& d) {
    const std::string base = domain_path(d.id) + "/console/";
    const auto ring_ref = store_.read(base + "ring-ref");
    const auto port = store_.read(base + "port");
    const auto gfn = ring_ref ? number(*ring_ref) : std::nullopt;
    const auto remote = port ? number(*port) : std::nullopt;
    if (!gfn || !remote || *remote == 0 || *remote > std::numeric_limits<evtchn_port_t>::max()) {
        if (d.console && d.console->attached()) {  // the toolstack took the console away
            ports_.erase(d.console->local_port());
            d.console->detach();
            say("domain " + std::to_string(d.id) + ": console ring gone");
        }
        return;
    }
    const RingKey key{*gfn, static_cast<evtchn_port_t>(*remote)};
    if (d.console && d.console->attached() && d.console->key() == key) return;
    connect(d, key);
}

void Daemon::connect_failed(Domain& d, const RingKey& key, const std::string& why) {
    if (d.failed != key) {
        say("domain " + std::to_string(d.id) + ": " + why);
        d.failed = key;
    }
}

bool Daemon::connect(Domain& d, const RingKey& key) {
    RingPage ring;
    std::string why;
    if (devices_.grants != nullptr) {
        const grant_ref_t ref = GNTTAB_RESERVED_CONSOLE;
        if (auto g = devices_.grants->map(d.id, std::span(&ref, 1), true); g) {
            ring.grant = std::move(*g);
            ring.page = reinterpret_cast<xencons_interface*>(ring.grant.data());
            ring.how = "grant";
        } else {
            why = "grant ref 0: " + g.error().message;
        }
    }
    if (ring.page == nullptr && devices_.foreign != nullptr) {
        const xen_pfn_t gfn = key.gfn;
        auto f = devices_.foreign->map(d.id, std::span(&gfn, 1));
        if (f && f->complete()) {
            ring.foreign = std::move(*f);
            ring.page = reinterpret_cast<xencons_interface*>(ring.foreign.data());
            ring.how = "foreign";
        } else {
            why += (why.empty() ? "" : "; ") + std::string("gfn ") + std::to_string(gfn) + ": " +
                   (f ? "frame error " + std::to_string(f->errors()[0]) : f.error().message);
        }
    }
    if (ring.page == nullptr) {
        connect_failed(d, key, "cannot map the console page (" + why + ")");
        return false;
    }
    const auto local = devices_.events.bind_interdomain(d.id, key.port);
    if (!local) {
        connect_failed(
            d, key,
            "cannot bind console port " + std::to_string(key.port) + ": " + local.error().message);
        return false;
    }
    const bool fresh = !d.console;
    if (fresh) {
        d.console = make_console(d.id);
        if (!d.console) {
            (void)devices_.events.unbind(*local);
            d.failed = key;
            return false;
        }
    }
    if (d.console->attached()) ports_.erase(d.console->local_port());
    ports_[*local] = d.id;
    d.failed.reset();
    say("domain " + std::to_string(d.id) + ": console on " + d.console->tty() + " (page by " +
        ring.how + ", port " + std::to_string(key.port) + "), log " + d.console->log_file().path());
    d.console->attach(std::move(ring), *local, key);
    if (fresh) d.console->start();
    return true;
}

std::shared_ptr<Console> Daemon::make_console(domid_t id) {
    const std::string base = domain_path(id);
    auto pty = Pty::open();
    if (!pty) {
        say("domain " + std::to_string(id) + ": no pty: " + pty.error().message);
        return nullptr;
    }
    const auto name = store_.read(base + "/name");
    const std::string path =
        options_.log_dir + "/" + log_file_name(name ? *name : std::string(), id);
    auto log = LogFile::open(path, options_.limits.log_max_bytes);
    if (!log) say("domain " + std::to_string(id) + ": not logged: " + log.error().message);
    const std::string tty = pty->slave_path();
    auto console = std::make_shared<Console>(io_, id, devices_.events, std::move(*pty),
                                             log ? std::move(*log) : LogFile(), options_.limits,
                                             [this](const std::string& line) { say(line); });
    if (auto w = store_.write(base + "/console/tty", tty); !w) {
        say("domain " + std::to_string(id) + ": writing console/tty: " + w.error().message);
    }
    if (auto t = store_.read(base + "/console/type"); !t && t.error().code == ENOENT) {
        (void)store_.write(base + "/console/type", "xenconsoled");
    }
    return console;
}

void Daemon::remove(domid_t id) {
    const auto it = domains_.find(id);
    if (it == domains_.end()) return;
    if (auto& c = it->second.console) {
        if (c->attached()) ports_.erase(c->local_port());
        c->stop();  // unmaps the page and unbinds the port now; the pty closes with the object
        say("domain " + std::to_string(id) + ": gone, console closed");
    }
    (void)store_.unwatch(domain_path(id) + "/console", kConsoleTokenPrefix + std::to_string(id));
    domains_.erase(it);
}

void Daemon::reopen_logs() {
    for (auto& [id, d] : domains_) {
        if (!d.console || !d.console->log_file().is_open()) continue;
        if (auto r = d.console->log_file().reopen(); !r) say(r.error().message);
    }
}

void Daemon::handle(const std::vector<xs::WatchEvent>& events) {
    bool scan = false;
    std::set<domid_t> look;
    for (const auto& e : events) {
        if (e.token == kIntroduceToken || e.token == kReleaseToken) {
            scan = true;
        } else if (e.token.starts_with(kConsoleTokenPrefix)) {
            if (const auto id =
                    guest_domid(e.token.substr(std::string(kConsoleTokenPrefix).size())))
                look.insert(*id);
        }
    }
    if (scan) {
        rescan();
        return;
    }
    for (const domid_t id : look) {
        if (const auto it = domains_.find(id); it != domains_.end()) evaluate(it->second);
    }
}

}  // namespace tessera::consoled
