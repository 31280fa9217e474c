// xenstore for toolstack tests: libs/xs's Client talking to xenstored's own core (the Daemon,
// without I/O) through an in-process transport, as dom0's tools would over the socket.
#pragma once

#include <algorithm>
#include <memory>

#include "daemon.hpp"
#include "xs/client.hpp"

namespace tessera::test {

/// Hands requests to the daemon and reads back what it queued; EWOULDBLOCK when nothing is.
class LoopbackTransport final : public xs::Transport {
public:
    LoopbackTransport(xenstored::Daemon& d, std::shared_ptr<xenstored::Connection> c)
        : daemon_(d), conn_(std::move(c)) {}

    xs::Result<void> write_all(std::span<const char> bytes) override {
        while (!bytes.empty()) {
            bytes = bytes.subspan(decoder_.feed(bytes));
            if (decoder_.status() == xs::StreamDecoder::Status::kMessage) {
                daemon_.handle(*conn_, decoder_.take());
            }
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
    xenstored::Daemon& daemon_;
    std::shared_ptr<xenstored::Connection> conn_;
    xs::StreamDecoder decoder_;
};

/// A daemon and a dom0 client of it (more clients on demand).
struct FakeXenstore {
    xenstored::Daemon daemon;
    xs::Client client = connect();

    xs::Client connect() {
        return xs::Client(std::make_unique<LoopbackTransport>(
            daemon, daemon.add_connection(xenstored::Connection::Kind::kSocket, 0)));
    }
    bool exists(const std::string& path) { return client.read(path).has_value(); }
    std::string value(const std::string& path) { return client.read(path).value_or("<missing>"); }
};

}  // namespace tessera::test
