#include "perms.hpp"

#include <charconv>

namespace tessera::xenstored {

std::optional<Perm> parse_perm(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    Perm p;
    switch (text[0]) {
        case 'n':
            p.bits = kNone;
            break;
        case 'r':
            p.bits = kRead;
            break;
        case 'w':
            p.bits = kWrite;
            break;
        case 'b':
            p.bits = kRead | kWrite;
            break;
        default:
            return std::nullopt;
    }
    const auto* first = text.data() + 1;
    const auto* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, p.id);
    if (ec != std::errc{} || ptr != last) return std::nullopt;
    return p;
}

std::string format_perm(const Perm& p) {
    static constexpr char kLetters[] = {'n', 'r', 'w', 'b'};
    return kLetters[p.bits & 3] + std::to_string(p.id);
}

unsigned access_for(const Requester& who, const Perms& perms) {
    constexpr unsigned kAll = kRead | kWrite | kOwner;
    if (who.privileged || perms.empty()) return kAll;
    const auto is_me = [&](DomId id) { return id == who.id || (who.target && *who.target == id); };
    if (is_me(perms[0].id)) return kAll;
    for (std::size_t i = 1; i < perms.size(); ++i) {
        if (is_me(perms[i].id)) return perms[i].bits;
    }
    return perms[0].bits;
}

}  // namespace tessera::xenstored
