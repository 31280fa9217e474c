#include "persist.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "path.hpp"

namespace tessera::xenstored {

namespace {

constexpr std::string_view kMagic = "tessera-xenstored-state 1";

std::string hex(std::string_view bytes) {
    if (bytes.empty()) return "-";
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

std::optional<std::string> unhex(std::string_view text) {
    if (text == "-") return std::string();
    if (text.size() % 2 != 0) return std::nullopt;
    const auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = digit(text[i]);
        const int lo = digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

std::string perms_text(const Perms& perms) {
    std::string out;
    for (const auto& p : perms) {
        if (!out.empty()) out.push_back(',');
        out += format_perm(p);
    }
    return out;
}

std::optional<Perms> parse_perms(std::string_view text) {
    Perms out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto p = parse_perm(text.substr(0, comma));
        if (!p) return std::nullopt;
        out.push_back(*p);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    if (out.empty()) return std::nullopt;
    return out;
}

}  // namespace

std::string serialize_state(Daemon& daemon) {
    std::ostringstream out;
    out << kMagic << "\n";
    out << "generation " << daemon.store().next_generation() << "\n";
    for (const auto& [name, value] : daemon.quota().list())
        out << "quota " << name << " " << value << "\n";
    daemon.store().walk([&](const std::string& path, const Node& n) {
        out << "node " << path << " " << n.generation << " " << perms_text(n.perms) << " "
            << hex(n.value) << "\n";
    });
    for (const auto& [path, perms] : daemon.special_perms())
        out << "special " << path << " " << perms_text(perms) << "\n";
    for (const auto& [id, d] : daemon.domains()) {
        out << "domain " << id << " " << d.mfn << " " << d.port << " "
            << (d.target ? std::to_string(*d.target) : "-") << "\n";
        const auto conn = daemon.connection(d.conn);
        if (!conn) continue;
        for (const auto& w : daemon.watches().of(conn->id()))
            out << "watch " << id << " " << hex(w.path) << " " << hex(w.token) << "\n";
        bool first = true;
        for (const auto& m : conn->output()) {
            out << "output " << id << " "
                << hex(std::string_view(m).substr(first ? conn->front_offset() : 0)) << "\n";
            first = false;
        }
        if (auto* c = daemon.connector()) {
            const auto partial = c->partial_input(conn->id());
            if (!partial.empty()) out << "input " << id << " " << hex(partial) << "\n";
        }
    }
    out << "end\n";
    return out.str();
}

int restore_state(Daemon& daemon, const std::string& text, std::string& error) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != kMagic) {
        error = "not a state file";
        return EINVAL;
    }
    daemon.store().clear();
    bool ended = false;
    std::size_t lineno = 1;
    const auto conn_of = [&](DomId id) -> std::shared_ptr<Connection> {
        const auto it = daemon.domains().find(id);
        return it == daemon.domains().end() ? nullptr : daemon.connection(it->second.conn);
    };
    while (std::getline(in, line)) {
        ++lineno;
        std::istringstream rec(line);
        std::string kind;
        rec >> kind;
        bool ok = true;
        if (kind == "generation") {
            std::uint64_t g = 0;
            ok = static_cast<bool>(rec >> g);
            if (ok && g > daemon.store().next_generation()) daemon.store().set_next_generation(g);
        } else if (kind == "quota") {
            std::string name;
            std::size_t value = 0;
            ok = (rec >> name >> value) && daemon.quota().set(name, value);
        } else if (kind == "node") {
            std::string path, perms, value;
            Node n;
            ok = static_cast<bool>(rec >> path >> n.generation >> perms >> value);
            const auto p = ok ? parse_perms(perms) : std::nullopt;
            const auto v = ok ? unhex(value) : std::nullopt;
            ok = p && v && !canonicalize(path, 0, true, 0, false).empty();
            if (ok) {
                n.perms = *p;
                n.value = *v;
                ok = daemon.store().restore_linked(path, std::move(n));
            }
        } else if (kind == "special") {
            std::string path, perms;
            ok = static_cast<bool>(rec >> path >> perms);
            const auto p = ok ? parse_perms(perms) : std::nullopt;
            ok = p && is_special(path);
            if (ok) daemon.special_perms()[path] = *p;
        } else if (kind == "domain") {
            DomId id = 0;
            std::uint64_t mfn = 0;
            std::uint32_t port = 0;
            std::string target;
            ok = static_cast<bool>(rec >> id >> mfn >> port >> target);
            // dom0's own ring is attached at start-up, before the state is loaded.
            if (ok && id != 0 && daemon.introduce(id, mfn, port, false) != 0) {
                std::fprintf(stderr, "xenstored: cannot reattach domain %u\n", id);
            }
            if (ok && target != "-") {
                const auto t = parse_number(target);
                ok = t.has_value();
                if (ok) daemon.set_target(id, static_cast<DomId>(*t));
            }
        } else if (kind == "watch" || kind == "output" || kind == "input") {
            DomId id = 0;
            std::string a, b;
            ok = static_cast<bool>(rec >> id >> a);
            if (kind == "watch") ok = ok && static_cast<bool>(rec >> b);
            const auto da = ok ? unhex(a) : std::nullopt;
            const auto db = kind == "watch" && ok ? unhex(b) : std::optional<std::string>("");
            ok = da && db;
            const auto conn = ok ? conn_of(id) : nullptr;
            if (ok && conn) {
                if (kind == "watch") {
                    const auto abs = canonicalize(*da, id, true, 0, true);
                    ok = !abs.empty();
                    if (ok) daemon.watches().add(Watch{conn->id(), *da, abs, *db});
                } else if (kind == "output") {
                    conn->queue(*da, true);
                } else if (auto* c = daemon.connector()) {
                    c->restore_partial_input(conn->id(), *da);
                }
            }
        } else if (kind == "end") {
            ended = true;
            break;
        } else {
            ok = false;
        }
        if (!ok) {
            error = "bad record at line " + std::to_string(lineno);
            return EINVAL;
        }
    }
    if (!ended) {
        error = "truncated state file";
        return EINVAL;
    }
    if (const auto problem = daemon.store().check(); !problem.empty()) {
        error = "inconsistent tree: " + problem;
        return EINVAL;
    }
    return 0;
}

int save_state_file(Daemon& daemon, const std::string& path) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
        if (!out) return errno != 0 ? errno : EIO;
        out << serialize_state(daemon);
        out.flush();
        if (!out) return EIO;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) return errno;
    return 0;
}

int load_state_file(Daemon& daemon, const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = "cannot open " + path;
        return ENOENT;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return restore_state(daemon, text.str(), error);
}

}  // namespace tessera::xenstored
