// The real DomainWatch and MonitorHost: domain state from the hypervisor, wake-ups from
// xenstore's @releaseDomain watch (xenstored fires it when a domain shuts down or dies, and on
// XS_RELEASE), with polling as a safety net.
#pragma once

#include <functional>
#include <string>

#include "toolstack/monitor.h"
#include "toolstack/toolstack.h"

namespace tessera::toolstack {

class XsDomainWatch final : public DomainWatch {
public:
    static constexpr const char* kToken = "tessera-xl-domain-death";

    explicit XsDomainWatch(Toolstack& ts) : ts_(ts) {}
    ~XsDomainWatch() override;
    XsDomainWatch(const XsDomainWatch&) = delete;
    XsDomainWatch& operator=(const XsDomainWatch&) = delete;

    /// Registers the @releaseDomain watch.
    Result<void> start();

    Result<std::optional<DomainInfo>> info(DomId dom) override;
    Result<void> wait(std::chrono::milliseconds timeout) override;

private:
    Toolstack& ts_;
    bool watching_ = false;
};

/// Restarts re-read the kernel and ramdisk the configuration names (they may have been
/// updated) and store `userdata` again with the UUID the new domain gets.
class ToolstackMonitor final : public MonitorHost {
public:
    using Logger = std::function<void(std::string_view)>;

    ToolstackMonitor(Toolstack& ts, XsDomainWatch& watch, std::string userdata, Logger logger)
        : ts_(ts), watch_(watch), userdata_(std::move(userdata)), logger_(std::move(logger)) {}

    Result<std::optional<DomainInfo>> info(DomId dom) override { return watch_.info(dom); }
    Result<void> wait(std::chrono::milliseconds timeout) override { return watch_.wait(timeout); }
    Result<void> destroy(DomId dom) override;
    Result<DomId> create(const DomainConfig& config) override;
    Result<void> rename(DomId dom, const std::string& name) override;
    void log(std::string_view line) override { logger_(line); }
    void sleep(std::chrono::milliseconds d) override;

private:
    Toolstack& ts_;
    XsDomainWatch& watch_;
    std::string userdata_;
    Logger logger_;
};

}  // namespace tessera::toolstack
