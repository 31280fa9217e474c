// The console daemon's view of xenstore: the few requests it makes and its watch events, behind
// an interface so that the daemon runs against an in-memory store in the host tests.
// XsConsoleStore is the real one (requests are synchronous, as in Xen's xenconsoled; events are
// collected without blocking).
#pragma once

#include <string>
#include <vector>

#include "hvcall/error.hpp"
#include "xs/client.hpp"
#include "xs/watch_poller.hpp"

namespace tessera::consoled {

class ConsoleStore {
public:
    virtual ~ConsoleStore() = default;
    virtual xs::Result<std::string> read(const std::string& path) = 0;
    virtual xs::Result<void> write(const std::string& path, const std::string& value) = 0;
    virtual xs::Result<std::vector<std::string>> directory(const std::string& path) = 0;
    virtual xs::Result<void> watch(const std::string& path, const std::string& token) = 0;
    virtual xs::Result<void> unwatch(const std::string& path, const std::string& token) = 0;
    /// A descriptor that polls readable when watch events may have arrived (-1: none).
    virtual int native_handle() const = 0;
    /// The watch events received so far, without blocking (an error: xenstore is gone).
    virtual xs::Result<std::vector<xs::WatchEvent>> take_events() = 0;
};

/// The real one: a libs/xs Client on xenstored's socket. Its native_handle() is not the socket
/// itself but an epoll descriptor watching it: an event loop's async wait makes the descriptor
/// it is given non-blocking (Asio does), which on the socket would break the client's blocking
/// requests.
class XsConsoleStore final : public ConsoleStore {
public:
    explicit XsConsoleStore(xs::Client client) : client_(std::move(client)) {}

    xs::Result<std::string> read(const std::string& path) override { return client_.read(path); }
    xs::Result<void> write(const std::string& path, const std::string& value) override {
        return client_.write(path, value);
    }
    xs::Result<std::vector<std::string>> directory(const std::string& path) override {
        return client_.directory(path);
    }
    xs::Result<void> watch(const std::string& path, const std::string& token) override {
        return client_.watch(path, token);
    }
    xs::Result<void> unwatch(const std::string& path, const std::string& token) override {
        return client_.unwatch(path, token);
    }
    int native_handle() const override { return poller_.native_handle(); }
    xs::Result<std::vector<xs::WatchEvent>> take_events() override {
        return xs::WatchPoller::take(client_);
    }

private:
    xs::Client client_;
    xs::WatchPoller poller_{client_};
};

}  // namespace tessera::consoled
