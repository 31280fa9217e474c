// CONTROL: administrative commands (xenstore-control). Replies are text ending in a NUL.
#include <cerrno>
#include <string>

#include "daemon.hpp"

namespace tessera::xenstored {

namespace {

std::string text(std::string s) {
    s.push_back('\0');
    return s;
}

}  // namespace

int Daemon::do_control(Request& r) {
    if (r.args.empty()) return EINVAL;
    const auto cmd = r.args[0];
    const auto n = r.args.size();
    if (cmd == "help") {
        r.reply = text(
            "help\nlog [on|off]\nquota\nquota set <name> <value>\nquota <domid>\ncheck\nstats\n"
            "save\n");
        return 0;
    }
    if (cmd == "log") {
        if (n == 2 && r.args[1] == "on")
            verbose = true;
        else if (n == 2 && r.args[1] == "off")
            verbose = false;
        else if (n != 1)
            return EINVAL;
        r.reply = text(verbose ? "log on" : "log off");
        return 0;
    }
    if (cmd == "quota") {
        if (n == 1) {
            std::string out;
            for (const auto& [name, value] : quota_.list())
                out += name + ": " + std::to_string(value) + "\n";
            r.reply = text(out);
            return 0;
        }
        if (n == 4 && r.args[1] == "set") {
            const auto v = parse_number(r.args[3]);
            if (!v || !quota_.set(r.args[2], *v)) return EINVAL;
            r.reply = text("OK");
            return 0;
        }
        if (n == 2) {
            const auto id = parse_number(r.args[1]);
            if (!id || *id > 0xFFFF) return EINVAL;
            const auto dom = static_cast<DomId>(*id);
            std::size_t watches = 0;
            std::size_t txs = 0;
            for (const auto& [cid, conn] : conns_) {
                if (conn->domid() != dom) continue;
                watches += watches_.count(cid);
                txs += conn->transactions().size();
            }
            r.reply = text("nodes: " + std::to_string(store_.owned_nodes(dom)) +
                           "\nwatches: " + std::to_string(watches) +
                           "\ntransactions: " + std::to_string(txs) + "\n");
            return 0;
        }
        return EINVAL;
    }
    if (cmd == "check") {
        const auto problem = store_.check();
        r.reply = text(problem.empty() ? "OK" : problem);
        return 0;
    }
    if (cmd == "stats") {
        std::size_t txs = 0;
        for (const auto& [cid, conn] : conns_) txs += conn->transactions().size();
        r.reply = text("nodes: " + std::to_string(store_.size()) +
                       "\nconnections: " + std::to_string(conns_.size()) +
                       "\ndomains: " + std::to_string(domains_.size()) + "\nwatches: " +
                       std::to_string(watches_.size()) + "\ntransactions: " + std::to_string(txs) +
                       "\ngeneration: " + std::to_string(store_.next_generation()) + "\n");
        return 0;
    }
    if (cmd == "save") {
        if (!save_state) return ENOSYS;
        if (const int err = save_state()) return err;
        r.reply = text("OK");
        return 0;
    }
    return EINVAL;
}

}  // namespace tessera::xenstored
