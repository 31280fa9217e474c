// Client requests: one message out, replies matched by request id, watch events queued.
#include "xs/client.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace tessera::xs {

namespace {

std::string with_nul(std::string_view s) {
    std::string out(s);
    out.push_back('\0');
    return out;
}

std::string_view strip_nul(std::string_view s) {
    if (!s.empty() && s.back() == '\0') s.remove_suffix(1);
    return s;
}

std::vector<std::string> to_strings(const std::vector<std::string_view>& v) {
    return {v.begin(), v.end()};
}

}  // namespace

Result<Client> Client::open(const std::string& path) {
    auto t = connect_unix(path);
    if (!t) return std::unexpected(t.error());
    return Client(std::move(*t));
}

Result<Message> Client::receive() {
    for (;;) {
        if (!buffered_.empty()) {
            const auto used = decoder_.feed(buffered_);
            buffered_.erase(0, used);
            if (decoder_.status() == StreamDecoder::Status::kMessage) return decoder_.take();
            if (decoder_.status() == StreamDecoder::Status::kTooLong) {
                return std::unexpected(Error{EIO, "oversized message from xenstored"});
            }
            continue;
        }
        char buf[4096];
        auto n = transport_->read_some(buf);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) return std::unexpected(Error{EPIPE, "xenstored closed the connection"});
        buffered_.append(buf, *n);
    }
}

Result<Message> Client::request(std::uint32_t type, TxId tx, std::string_view payload) {
    if (payload.size() > kPayloadMax) return std::unexpected(Error{E2BIG, "payload too large"});
    const std::uint32_t id = next_req_id_++;
    const auto bytes = encode(type, id, tx, payload);
    if (auto w = transport_->write_all(bytes); !w) return std::unexpected(w.error());
    for (;;) {
        auto m = receive();
        if (!m) return m;
        if (m->header.type == XS_WATCH_EVENT) {
            keep_event(*m);
            continue;
        }
        if (m->header.req_id != id) continue;  // a stale reply: not ours
        if (m->header.type == XS_ERROR) {
            const auto name = strip_nul(m->payload);
            const int code = error_from_name(name).value_or(EIO);
            return std::unexpected(Error{code, std::string(name)});
        }
        return m;
    }
}

Result<void> Client::expect_ok(std::uint32_t type, TxId tx, std::string_view payload) {
    auto m = request(type, tx, payload);
    if (!m) return std::unexpected(m.error());
    return {};
}

Result<std::string> Client::read(std::string_view path, TxId tx) {
    auto m = request(XS_READ, tx, with_nul(path));
    if (!m) return std::unexpected(m.error());
    return std::move(m->payload);
}

Result<void> Client::write(std::string_view path, std::string_view value, TxId tx) {
    std::string payload = with_nul(path);
    payload.append(value);
    return expect_ok(XS_WRITE, tx, payload);
}

Result<void> Client::mkdir(std::string_view path, TxId tx) {
    return expect_ok(XS_MKDIR, tx, with_nul(path));
}

Result<void> Client::rm(std::string_view path, TxId tx) {
    return expect_ok(XS_RM, tx, with_nul(path));
}

Result<std::vector<std::string>> Client::directory(std::string_view path, TxId tx) {
    auto m = request(XS_DIRECTORY, tx, with_nul(path));
    if (m) return to_strings(split_strings(m->payload));
    if (m.error().code != E2BIG) return std::unexpected(m.error());
    // Too large for one message: page through DIRECTORY_PART, restarting if it changes.
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::vector<std::string> names;
        std::string generation;
        std::size_t offset = 0;
        bool restart = false;
        for (;;) {
            auto part =
                request(XS_DIRECTORY_PART, tx, with_nul(path) + with_nul(std::to_string(offset)));
            if (!part) return std::unexpected(part.error());
            const auto strings = split_strings(part->payload);
            if (strings.empty()) return std::unexpected(Error{EIO, "bad DIRECTORY_PART reply"});
            if (generation.empty()) generation = strings[0];
            if (generation != strings[0]) {
                restart = true;
                break;
            }
            bool done = false;
            for (std::size_t i = 1; i < strings.size(); ++i) {
                if (strings[i].empty()) {
                    done = true;
                    break;
                }
                names.emplace_back(strings[i]);
                offset += strings[i].size() + 1;
            }
            if (done) return names;
        }
        if (!restart) break;
    }
    return std::unexpected(Error{EAGAIN, "directory kept changing"});
}

Result<std::vector<Permission>> Client::get_perms(std::string_view path, TxId tx) {
    auto m = request(XS_GET_PERMS, tx, with_nul(path));
    if (!m) return std::unexpected(m.error());
    std::vector<Permission> out;
    for (const auto s : split_strings(m->payload)) {
        Permission p;
        if (s.size() < 2) return std::unexpected(Error{EIO, "bad permission in reply"});
        p.access = s[0];
        std::from_chars(s.data() + 1, s.data() + s.size(), p.domid);
        out.push_back(p);
    }
    return out;
}

Result<void> Client::set_perms(std::string_view path, std::span<const Permission> perms, TxId tx) {
    std::string payload = with_nul(path);
    for (const auto& p : perms) payload += with_nul(p.access + std::to_string(p.domid));
    return expect_ok(XS_SET_PERMS, tx, payload);
}

Result<TxId> Client::transaction_start() {
    auto m = request(XS_TRANSACTION_START, kNoTransaction, std::string_view("", 1));
    if (!m) return std::unexpected(m.error());
    const auto text = strip_nul(m->payload);
    TxId id = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || id == 0) return std::unexpected(Error{EIO, "bad transaction id"});
    return id;
}

Result<void> Client::transaction_end(TxId tx, bool commit) {
    return expect_ok(XS_TRANSACTION_END, tx,
                     commit ? std::string_view("T\0", 2) : std::string_view("F\0", 2));
}

Result<void> Client::watch(std::string_view path, std::string_view token) {
    return expect_ok(XS_WATCH, kNoTransaction, with_nul(path) + with_nul(token));
}

Result<void> Client::unwatch(std::string_view path, std::string_view token) {
    return expect_ok(XS_UNWATCH, kNoTransaction, with_nul(path) + with_nul(token));
}

Result<void> Client::reset_watches() {
    return expect_ok(XS_RESET_WATCHES, kNoTransaction, std::string_view("", 1));
}

std::optional<WatchEvent> Client::poll_watch() {
    if (events_.empty()) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
}

Result<WatchEvent> Client::wait_watch() {
    while (events_.empty()) {
        auto m = receive();
        if (!m) return std::unexpected(m.error());
        if (m->header.type == XS_WATCH_EVENT) keep_event(*m);
    }
    return *poll_watch();
}

void Client::keep_event(const Message& m) {
    const auto parts = split_strings(m.payload);
    if (parts.size() >= 2) events_.push_back({std::string(parts[0]), std::string(parts[1])});
}

Result<void> Client::pump() {
    const int fd = native_handle();
    if (fd < 0) return {};
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, 0);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            return std::unexpected(Error{errno, std::string("poll: ") + std::strerror(errno)});
        }
        if (ready == 0) break;
        char buf[4096];
        auto n = transport_->read_some(buf);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) return std::unexpected(Error{EPIPE, "xenstored closed the connection"});
        buffered_.append(buf, *n);
        if (*n < sizeof buf) break;  // drained what was there
    }
    // Whole messages only; replies here are stale (no request is waiting), so only events count.
    while (!buffered_.empty()) {
        const auto used = decoder_.feed(buffered_);
        buffered_.erase(0, used);
        if (decoder_.status() == StreamDecoder::Status::kTooLong) {
            return std::unexpected(Error{EIO, "oversized message from xenstored"});
        }
        if (decoder_.status() != StreamDecoder::Status::kMessage) break;
        const Message m = decoder_.take();
        if (m.header.type == XS_WATCH_EVENT) keep_event(m);
    }
    return {};
}

Result<std::optional<WatchEvent>> Client::wait_watch_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events_.empty()) {
        if (buffered_.empty()) {
            const int fd = transport_->native_handle();
            if (fd >= 0) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now());
                pollfd p{fd, POLLIN, 0};
                const auto wait_ms = std::max<long long>(0, left.count());
                const int n = ::poll(&p, 1, static_cast<int>(wait_ms));
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    const int e = errno;
                    return std::unexpected(Error{e, "poll: " + std::string(std::strerror(e))});
                }
                if (n == 0) return std::nullopt;
            }
        }
        auto m = receive();
        if (!m) {
            if (m.error().code == EWOULDBLOCK || m.error().code == EAGAIN) return std::nullopt;
            return std::unexpected(m.error());
        }
        if (m->header.type != XS_WATCH_EVENT) continue;
        const auto parts = split_strings(m->payload);
        if (parts.size() >= 2) events_.push_back({std::string(parts[0]), std::string(parts[1])});
    }
    return poll_watch();
}

Result<std::string> Client::get_domain_path(std::uint32_t domid) {
    auto m = request(XS_GET_DOMAIN_PATH, kNoTransaction, with_nul(std::to_string(domid)));
    if (!m) return std::unexpected(m.error());
    return std::string(strip_nul(m->payload));
}

Result<void> Client::introduce(std::uint32_t domid, std::uint64_t mfn, std::uint32_t port) {
    return expect_ok(XS_INTRODUCE, kNoTransaction,
                     with_nul(std::to_string(domid)) + with_nul(std::to_string(mfn)) +
                         with_nul(std::to_string(port)));
}

Result<void> Client::release(std::uint32_t domid) {
    return expect_ok(XS_RELEASE, kNoTransaction, with_nul(std::to_string(domid)));
}

Result<bool> Client::is_domain_introduced(std::uint32_t domid) {
    auto m = request(XS_IS_DOMAIN_INTRODUCED, kNoTransaction, with_nul(std::to_string(domid)));
    if (!m) return std::unexpected(m.error());
    return strip_nul(m->payload) == "T";
}

Result<void> Client::resume(std::uint32_t domid) {
    return expect_ok(XS_RESUME, kNoTransaction, with_nul(std::to_string(domid)));
}

Result<void> Client::set_target(std::uint32_t domid, std::uint32_t target) {
    return expect_ok(XS_SET_TARGET, kNoTransaction,
                     with_nul(std::to_string(domid)) + with_nul(std::to_string(target)));
}

Result<std::string> Client::control(std::span<const std::string> args) {
    std::string payload;
    for (const auto& a : args) payload += with_nul(a);
    auto m = request(XS_CONTROL, kNoTransaction, payload);
    if (!m) return std::unexpected(m.error());
    return std::string(strip_nul(m->payload));
}

}  // namespace tessera::xs
