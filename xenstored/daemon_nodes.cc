// Node requests: READ, WRITE, MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS.
#include <cerrno>

#include "daemon.hpp"
#include "ops.hpp"
#include "path.hpp"

namespace tessera::xenstored {

namespace {

constexpr std::string_view kOk{"OK\0", 3};

/// The single path argument of READ/MKDIR/RM/...: exactly one NUL-terminated string.
bool one_arg(const std::vector<std::string_view>& args, std::string_view tail) {
    return args.size() == 1 && tail.empty();
}

}  // namespace

int Daemon::do_read(Request& r) {
    if (!one_arg(r.args, r.tail)) return EINVAL;
    const auto path = path_arg(r, r.args[0], false);
    if (path.empty()) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    return op_read(ctx, path, r.reply);
}

int Daemon::do_write(Request& r) {
    const auto& payload = r.msg.payload;
    const auto nul = payload.find('\0');
    if (nul == std::string::npos) return EINVAL;
    const auto path = path_arg(r, std::string_view(payload).substr(0, nul), false);
    if (path.empty()) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    if (const int err = op_write(ctx, path, std::string_view(payload).substr(nul + 1))) return err;
    r.reply = kOk;
    return 0;
}

int Daemon::do_mkdir(Request& r) {
    if (!one_arg(r.args, r.tail)) return EINVAL;
    const auto path = path_arg(r, r.args[0], false);
    if (path.empty()) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    if (const int err = op_mkdir(ctx, path)) return err;
    r.reply = kOk;
    return 0;
}

int Daemon::do_rm(Request& r) {
    if (!one_arg(r.args, r.tail)) return EINVAL;
    const auto path = path_arg(r, r.args[0], false);
    if (path.empty()) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    if (const int err = op_rm(ctx, path)) return err;
    r.reply = kOk;
    return 0;
}

int Daemon::do_directory(Request& r) {
    if (!one_arg(r.args, r.tail)) return EINVAL;
    const auto path = path_arg(r, r.args[0], false);
    if (path.empty()) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    const Node* node = nullptr;
    if (const int err = op_directory(ctx, path, node)) return err;
    // A listing too long for one message is only available through DIRECTORY_PART.
    if (node->children.bytes().size() > xs::kPayloadMax) return E2BIG;
    r.reply = node->children.bytes();
    return 0;
}

// Reply: the node's generation (NUL-terminated), then as many child names (each
// NUL-terminated) from byte offset `offset` of the child list as fit, then one more NUL when
// the list is complete. Clients restart when the generation changes between parts.
int Daemon::do_directory_part(Request& r) {
    if (r.args.size() != 2 || !r.tail.empty()) return EINVAL;
    const auto path = path_arg(r, r.args[0], false);
    const auto offset = parse_number(r.args[1]);
    if (path.empty() || !offset) return EINVAL;
    OpContext ctx{tree(r), r.who, quota_, r.changes};
    const Node* node = nullptr;
    if (const int err = op_directory(ctx, path, node)) return err;
    std::string gen = std::to_string(node->generation);
    gen.push_back('\0');
    const std::size_t total = node->children.bytes().size();
    if (*offset > total) return EINVAL;
    const std::size_t room = xs::kPayloadMax - gen.size() - 1;
    std::string list;
    std::size_t pos = 0;
    bool complete = true;
    for (const auto& c : node->children) {
        const std::size_t len = c.size() + 1;
        if (pos >= *offset) {
            if (list.size() + len > room) {
                complete = false;
                break;
            }
            list.append(c);
            list.push_back('\0');
        } else if (pos + len > *offset) {
            return EINVAL;  // offset in the middle of a name
        }
        pos += len;
    }
    if (list.empty() && !complete) return E2BIG;  // a single name longer than a message
    r.reply = gen + list;
    if (complete) r.reply.push_back('\0');
    return 0;
}

int Daemon::do_get_perms(Request& r) {
    if (!one_arg(r.args, r.tail)) return EINVAL;
    const auto path = path_arg(r, r.args[0], true);
    if (path.empty()) return EINVAL;
    Perms perms;
    if (is_special(path)) {
        perms = special_.at(path);
    } else {
        OpContext ctx{tree(r), r.who, quota_, r.changes};
        if (const int err = op_get_perms(ctx, path, perms)) return err;
    }
    for (const auto& p : perms) {
        r.reply += format_perm(p);
        r.reply.push_back('\0');
    }
    return 0;
}

int Daemon::do_set_perms(Request& r) {
    if (r.args.size() < 2 || !r.tail.empty()) return EINVAL;
    const auto path = path_arg(r, r.args[0], true);
    if (path.empty()) return EINVAL;
    Perms perms;
    for (std::size_t i = 1; i < r.args.size(); ++i) {
        const auto p = parse_perm(r.args[i]);
        if (!p) return EINVAL;
        perms.push_back(*p);
    }
    if (is_special(path)) {
        if (!(access_for(r.who, special_.at(path)) & kOwner)) return EACCES;
        special_[path] = std::move(perms);
    } else {
        OpContext ctx{tree(r), r.who, quota_, r.changes};
        if (const int err = op_set_perms(ctx, path, std::move(perms))) return err;
    }
    r.reply = kOk;
    return 0;
}

}  // namespace tessera::xenstored
