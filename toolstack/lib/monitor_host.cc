// DomainWatch over the hypervisor and xenstore; MonitorHost over Toolstack.
#include "toolstack/monitor_host.h"

#include <thread>

namespace tessera::toolstack {

XsDomainWatch::~XsDomainWatch() {
    if (watching_) (void)ts_.xenstore().client().unwatch("@releaseDomain", kToken);
}

Result<void> XsDomainWatch::start() {
    if (auto w = ts_.xenstore().client().watch("@releaseDomain", kToken); !w) {
        return fail("cannot watch @releaseDomain: " + w.error().message);
    }
    watching_ = true;
    return {};
}

Result<std::optional<DomainInfo>> XsDomainWatch::info(DomId dom) {
    return ts_.control().find(dom);
}

Result<void> XsDomainWatch::wait(std::chrono::milliseconds timeout) {
    xs::Client& xs = ts_.xenstore().client();
    auto event = xs.wait_watch_for(timeout);
    if (!event) return fail("xenstore: " + event.error().message);
    if (!*event && xs.native_handle() < 0) {
        // No descriptor to sleep on: do not spin.
        std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(10)));
    }
    // One check covers every event already queued.
    while (xs.poll_watch()) {
    }
    return {};
}

Result<void> ToolstackMonitor::destroy(DomId dom) {
    return ts_.destroy(dom);
}

Result<DomId> ToolstackMonitor::create(const DomainConfig& config) {
    auto files = read_boot_files(config);
    if (!files) return std::unexpected(files.error());
    const std::string text = userdata_ + "uuid = \"" + config.uuid.str() + "\"\n";
    auto created = ts_.create(config, text, *files, false);
    if (!created) return std::unexpected(created.error());
    for (const std::string& w : created->warnings) logger_(w);
    return created->build.domid;
}

Result<void> ToolstackMonitor::rename(DomId dom, const std::string& name) {
    return ts_.rename(dom, name);
}

void ToolstackMonitor::sleep(std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
}

}  // namespace tessera::toolstack
