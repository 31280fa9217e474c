// libs/xs client against the daemon core through an in-process transport.
#include "harness.hpp"
#include "xs/client.hpp"

using namespace tessera::xenstored;
namespace xs = tessera::xs;

namespace {

/// Hands written bytes to the daemon and reads back what it queued for the connection.
class LoopbackTransport final : public xs::Transport {
public:
    LoopbackTransport(Daemon& d, std::shared_ptr<Connection> c) : daemon_(d), conn_(std::move(c)) {}
    xs::Result<void> write_all(std::span<const char> bytes) override {
        while (!bytes.empty()) {
            bytes = bytes.subspan(decoder_.feed(bytes));
            if (decoder_.status() == xs::StreamDecoder::Status::kMessage)
                daemon_.handle(*conn_, decoder_.take());
        }
        return {};
    }
    xs::Result<std::size_t> read_some(std::span<char> buffer) override {
        auto& out = conn_->output();
        if (out.empty()) return std::unexpected(xs::Error{EWOULDBLOCK, "nothing queued"});
        const std::string& m = out.front();
        auto& off = conn_->front_offset();
        const std::size_t n = std::min(buffer.size(), m.size() - off);
        std::copy_n(m.data() + off, n, buffer.data());
        off += n;
        if (off == m.size()) conn_->pop_front();
        return n;
    }

private:
    Daemon& daemon_;
    std::shared_ptr<Connection> conn_;
    xs::StreamDecoder decoder_;
};

struct Fixture {
    Daemon daemon;
    xs::Client client{std::make_unique<LoopbackTransport>(
        daemon, daemon.add_connection(Connection::Kind::kSocket, 0))};
    xs::Client other{std::make_unique<LoopbackTransport>(
        daemon, daemon.add_connection(Connection::Kind::kSocket, 0))};
};

}  // namespace

TEST_CASE("client reads, writes, lists and removes") {
    Fixture f;
    REQUIRE(f.client.write("/c/one", "1"));
    REQUIRE(f.client.mkdir("/c/two"));
    CHECK(f.client.read("/c/one").value() == "1");
    CHECK(f.client.directory("/c").value() == std::vector<std::string>{"one", "two"});
    REQUIRE(f.client.rm("/c/one"));
    const auto missing = f.client.read("/c/one");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ENOENT);
    CHECK(missing.error().message == "ENOENT");
}

TEST_CASE("client directory falls back to DIRECTORY_PART") {
    Fixture f;
    std::vector<std::string> names;
    for (int i = 0; i < 400; ++i) {
        names.push_back("entry-number-" + std::to_string(i));
        REQUIRE(f.client.write("/big/" + names.back(), ""));
    }
    CHECK(f.client.directory("/big").value() == names);
}

TEST_CASE("client permissions") {
    Fixture f;
    REQUIRE(f.client.write("/p", ""));
    const std::vector<xs::Permission> perms{{0, 'n'}, {3, 'r'}, {4, 'b'}};
    REQUIRE(f.client.set_perms("/p", perms));
    CHECK(f.client.get_perms("/p").value() == perms);
}

TEST_CASE("client transactions commit, conflict and retry") {
    Fixture f;
    REQUIRE(f.client.write("/counter", "0"));
    auto tx = f.client.transaction_start();
    REQUIRE(tx);
    REQUIRE(f.client.read("/counter", *tx));
    REQUIRE(f.client.write("/counter", "1", *tx));
    REQUIRE(f.other.write("/counter", "5"));
    const auto end = f.client.transaction_end(*tx, true);
    REQUIRE_FALSE(end);
    CHECK(end.error().code == EAGAIN);

    int attempts = 0;
    const auto r = f.client.transaction([&](xs::TxId t) -> xs::Result<void> {
        auto v = f.client.read("/counter", t);
        if (!v) return std::unexpected(v.error());
        if (++attempts == 1) (void)f.other.write("/counter", "6");  // force one conflict
        return f.client.write("/counter", std::to_string(std::stoi(*v) + 1), t);
    });
    REQUIRE(r);
    CHECK(attempts == 2);
    CHECK(f.client.read("/counter").value() == "7");
}

TEST_CASE("client watches and domain calls") {
    Fixture f;
    REQUIRE(f.client.watch("/w", "tok"));
    auto first = f.client.wait_watch();
    REQUIRE(first);
    CHECK(first->path == "/w");
    CHECK(first->token == "tok");
    REQUIRE(f.other.write("/w/x", "1"));
    // The event is queued on the watcher's connection; a later call picks it up.
    CHECK(f.client.get_domain_path(7).value() == "/local/domain/7");
    const auto ev = f.client.poll_watch();
    REQUIRE(ev);
    CHECK(ev->path == "/w/x");
    REQUIRE(f.client.unwatch("/w", "tok"));
    CHECK(f.client.unwatch("/w", "tok").error().code == ENOENT);

    CHECK_FALSE(f.client.is_domain_introduced(5).value());
    REQUIRE(f.client.introduce(5, 1234, 3));
    CHECK(f.client.is_domain_introduced(5).value());
    REQUIRE(f.client.set_target(5, 6));
    REQUIRE(f.client.resume(5));
    REQUIRE(f.client.release(5));
    const std::vector<std::string> cmd{"check"};
    CHECK(f.client.control(cmd).value() == "OK");
    REQUIRE(f.client.reset_watches());
}
