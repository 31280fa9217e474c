// Test harness: drives the daemon core directly with encoded requests and decodes what it
// queues on each connection.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "daemon.hpp"
#include "xs/wire.hpp"

namespace tessera::xenstored::test {

/// Join strings with a NUL after each (request payloads).
inline std::string args(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) {
        out.append(p);
        out.push_back('\0');
    }
    return out;
}

struct Reply {
    std::uint32_t type = XS_INVALID;
    std::string payload;
    bool ok() const { return type != XS_ERROR; }
    /// The error name for error replies ("EACCES"), empty otherwise.
    std::string error() const { return ok() ? std::string() : std::string(payload.c_str()); }
    std::string text() const { return std::string(payload.c_str()); }
};

class Harness {
public:
    explicit Harness(Quota q = {}) : daemon(q) {
        dom0 = daemon.add_connection(Connection::Kind::kSocket, 0);
    }

    /// A connection acting as domain id (not introduced unless introduce is true).
    std::shared_ptr<Connection> domain(DomId id, bool introduce = true) {
        if (introduce) REQUIRE(daemon.introduce(id, 100 + id, 10 + id, true) == 0);
        auto conn = daemon.add_connection(Connection::Kind::kDomain, id);
        if (introduce) daemon.adopt_domain_connection(daemon.domains().at(id), conn);
        return conn;
    }

    /// Send one request and return its reply; watch events are kept for events().
    Reply call(Connection& c, std::uint32_t type, std::string_view payload, std::uint32_t tx = 0) {
        const std::uint32_t id = next_id_++;
        xs::Message m{xs::Header{type, id, tx, static_cast<std::uint32_t>(payload.size())},
                      std::string(payload)};
        daemon.handle(c, m);
        collect_all();
        auto& replies = replies_[c.id()];
        REQUIRE_FALSE(replies.empty());
        Reply r = replies.front();
        replies.erase(replies.begin());
        return r;
    }

    /// Watch events received by c since the last call, as "path|token".
    std::vector<std::string> events(Connection& c) {
        collect_all();
        auto out = std::move(events_[c.id()]);
        events_[c.id()].clear();
        return out;
    }

    Daemon daemon;
    std::shared_ptr<Connection> dom0;

    Reply write(Connection& c, std::string_view path, std::string_view value,
                std::uint32_t tx = 0) {
        std::string p(path);
        p.push_back('\0');
        p.append(value);
        return call(c, XS_WRITE, p, tx);
    }
    Reply read(Connection& c, std::string_view path, std::uint32_t tx = 0) {
        return call(c, XS_READ, args({path}), tx);
    }

private:
    void collect_all() {
        for (std::uint64_t id = 1; id < 64; ++id) {
            auto conn = daemon.connection(id);
            if (!conn) continue;
            auto& out = conn->output();
            while (!out.empty()) {
                const std::string bytes = out.front();
                conn->pop_front();
                REQUIRE(bytes.size() >= xs::kHeaderSize);
                const auto h = xs::decode_header(
                    std::span<const char, xs::kHeaderSize>(bytes.data(), xs::kHeaderSize));
                REQUIRE(h.len == bytes.size() - xs::kHeaderSize);
                const std::string payload = bytes.substr(xs::kHeaderSize);
                if (h.type == XS_WATCH_EVENT) {
                    const auto parts = xs::split_strings(payload);
                    REQUIRE(parts.size() == 2);
                    events_[id].push_back(std::string(parts[0]) + "|" + std::string(parts[1]));
                } else {
                    replies_[id].push_back(Reply{h.type, payload});
                }
            }
        }
    }

    std::uint32_t next_id_ = 1;
    std::map<ConnId, std::vector<Reply>> replies_;
    std::map<ConnId, std::vector<std::string>> events_;
};

}  // namespace tessera::xenstored::test
