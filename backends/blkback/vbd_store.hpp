// blkback's view of xenstore: the requests it makes and its watch events, behind an interface
// so the host tests run the state machine against an in-memory store. XsVbdStore is the real
// one (synchronous requests; watch events collected without blocking, through an epoll
// descriptor so that an event loop never makes the client's socket non-blocking).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hvcall/error.hpp"
#include "xs/client.hpp"
#include "xs/watch_poller.hpp"

namespace tessera::blkback {

/// (path, value) pairs.
using NodeList = std::vector<std::pair<std::string, std::string>>;

class VbdStore {
public:
    virtual ~VbdStore() = default;
    virtual xs::Result<std::string> read(const std::string& path) = 0;
    virtual xs::Result<void> write(const std::string& path, const std::string& value) = 0;
    virtual xs::Result<void> rm(const std::string& path) = 0;
    /// Writes every (path, value) in one transaction, but only while `dir` exists: false (and
    /// nothing written) once the toolstack has removed it, so that a late state change never
    /// brings a torn-down device's directory back.
    virtual xs::Result<bool> write_under(const std::string& dir, const NodeList& nodes) = 0;
    virtual xs::Result<std::vector<std::string>> directory(const std::string& path) = 0;
    virtual xs::Result<void> watch(const std::string& path, const std::string& token) = 0;
    virtual xs::Result<void> unwatch(const std::string& path, const std::string& token) = 0;
    /// Polls readable when watch events may have arrived (-1: none).
    virtual int native_handle() const = 0;
    /// The watch events received so far, without blocking (an error: xenstore is gone).
    virtual xs::Result<std::vector<xs::WatchEvent>> take_events() = 0;
};

class XsVbdStore final : public VbdStore {
public:
    explicit XsVbdStore(xs::Client client) : client_(std::move(client)) {}
    xs::Result<std::string> read(const std::string& path) override { return client_.read(path); }
    xs::Result<void> write(const std::string& path, const std::string& value) override {
        return client_.write(path, value);
    }
    xs::Result<void> rm(const std::string& path) override { return client_.rm(path); }
    xs::Result<bool> write_under(const std::string& dir, const NodeList& nodes) override;
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

}  // namespace tessera::blkback
