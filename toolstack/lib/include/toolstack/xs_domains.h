// The toolstack's xenstore side over libs/xs: writing a new domain's nodes (the real
// XenstoreWriter), reading names and start times, renaming, the PV control node, and removing
// everything a domain had when it is destroyed.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "toolstack/hypervisor.h"
#include "xs/client.hpp"

namespace tessera::toolstack {

/// "/local/domain/N".
std::string domain_path(DomId dom);

class XenstoreDomains final : public XenstoreWriter {
public:
    explicit XenstoreDomains(xs::Client& client) : xs_(client) {}

    xs::Client& client() { return xs_; }

    /// Every entry (value, then permissions) in one transaction, retried while xenstored
    /// reports a conflict (EAGAIN).
    Result<void> write(std::span<const XsEntry> entries) override;
    /// XS_INTRODUCE.
    Result<void> introduce_domain(DomId dom, uint64_t store_gfn, uint32_t store_port) override;
    /// Removes the domain's nodes: its device backends (those the frontends name and
    /// /local/domain/0/backend/KIND/N), /local/domain/N, its /vm/UUID and /libxl/N, in one
    /// transaction; then XS_RELEASE (a domain xenstored never knew is fine).
    Result<void> forget_domain(DomId dom, const Uuid& uuid) override;
    Result<BackendAnswer> await_backend(const std::string& backend,
                                        std::chrono::milliseconds timeout) override;

    /// A node's value, nullopt if it does not exist.
    Result<std::optional<std::string>> read(const std::string& path);
    /// /local/domain/N/name, nullopt when unset.
    Result<std::optional<std::string>> name(DomId dom);
    /// /vm/UUID/start_time (seconds since the epoch) through /local/domain/N/vm.
    Result<std::optional<uint64_t>> start_time(DomId dom);
    /// Writes the new name to /local/domain/N/name and /vm/UUID/name in one transaction.
    Result<void> rename(DomId dom, const std::string& new_name);
    /// Writes /local/domain/N/control/shutdown (the guest's xenbus acts on it).
    Result<void> write_control(DomId dom, const std::string& command);
    /// Waits until the guest has taken the control request (it empties or removes the node),
    /// or `timeout` passes; `stop` is asked between waits (e.g. "the domain shut down").
    Result<bool> wait_control_ack(DomId dom, std::chrono::milliseconds timeout,
                                  const std::function<bool()>& stop);

    /// A test of a node's value (nullopt: the node does not exist).
    using NodeTest = std::function<bool(const std::optional<std::string>&)>;
    /// Watches `path` until `done` holds for its value (true), `stop` says so (true) or
    /// `timeout` passes (false).
    Result<bool> wait_for(const std::string& path, const NodeTest& done,
                          std::chrono::milliseconds timeout,
                          const std::function<bool()>& stop = {});
    /// The children of `path`; empty if it does not exist.
    Result<std::vector<std::string>> list(const std::string& path);
    /// Removes every path (a missing one is fine), in one transaction.
    Result<void> remove(std::span<const std::string> paths);

private:
    /// The backend paths of every device the domain's frontends point at.
    Result<std::vector<std::string>> backend_paths(DomId dom);

    xs::Client& xs_;
};

/// Seconds.centiseconds since the epoch, as libxl writes /vm/UUID/start_time.
std::string start_time_now();

}  // namespace tessera::toolstack
