// The xenbus state machine of one virtual disk.
#include "device.hpp"

#include <algorithm>
#include <cstdio>

namespace tessera::blkback {

namespace {

XenbusState parse_state(const std::optional<std::string>& text) {
    if (!text) return XenbusStateUnknown;
    const auto v = parse_number(*text, XenbusStateReconfigured);
    return v ? static_cast<XenbusState>(*v) : XenbusStateUnknown;
}

}  // namespace

Device::Device(Backends backends, VbdStore& store, std::string backend_path, domid_t domid,
               std::uint32_t devid, DeviceOptions options)
    : backends_(backends),
      store_(store),
      backend_(std::move(backend_path)),
      domid_(domid),
      devid_(devid),
      options_(std::move(options)) {}

Device::~Device() { disconnect(); }

void Device::say(const std::string& line) const {
    const std::string text = "d" + std::to_string(domid_) + " vbd " + std::to_string(devid_) +
                             ": " + line;
    if (options_.log) {
        options_.log(text);
    } else {
        std::fprintf(stderr, "tessera-blkback: %s\n", text.c_str());
    }
}

std::optional<std::string> Device::node(const std::string& path) const {
    auto value = store_.read(path);
    if (!value) return std::nullopt;
    return std::move(*value);
}

std::vector<evtchn_port_t> Device::ports() const {
    std::vector<evtchn_port_t> out;
    for (const auto& q : queues_) out.push_back(q->local_port());
    return out;
}

void Device::set_state(XenbusState state) {
    if (state == state_) return;
    state_ = state;
    (void)store_.write_under(backend_, {{backend_ + "/state", std::to_string(static_cast<int>(state))}});
}

void Device::fatal(const std::string& why) {
    say("error: " + why);
    const std::string error_node = backend_ + "/error";
    if (auto w = store_.write_under(backend_, {{error_node, why}}); w && *w &&
        std::find(written_.begin(), written_.end(), error_node) == written_.end()) {
        written_.push_back(error_node);
    }
    disconnect();
    failed_ = true;
    set_state(XenbusStateClosed);
}

bool Device::configure() {
    auto config = read_vbd_config([&](const std::string& n) { return node(backend_ + "/" + n); });
    if (!config) {
        if (config.error().code == ENOENT) return false;  // the toolstack is still writing
        fatal(config.error().message);
        return false;
    }
    if (config->frontend_id != domid_) {
        fatal("frontend-id " + std::to_string(config->frontend_id) + " is not the domain " +
              std::to_string(domid_) + " of the backend path");
        return false;
    }
    auto backing = BackingStore::open(config->target, config->writable, options_.direct_io);
    if (!backing) {
        fatal(backing.error().message);
        return false;
    }
    config_ = std::move(*config);
    frontend_ = config_->frontend;
    backing_ = std::move(*backing);
    say(std::string("serving ") + backing_->path() + (config_->writable ? " read-write" : " read-only") +
        ", " + std::to_string(backing_->sectors()) + " sectors" +
        (backing_->direct() ? ", O_DIRECT" : ""));
    return publish();
}

bool Device::publish() {
    NodeList nodes;
    for (auto& [name, value] : backend_nodes(*config_, *backing_, options_)) {
        nodes.emplace_back(backend_ + "/" + name, std::move(value));
    }
    // The features and InitWait in one transaction: blkfront never sees one without the other.
    nodes.emplace_back(backend_ + "/state", std::to_string(static_cast<int>(XenbusStateInitWait)));
    auto w = store_.write_under(backend_, nodes);
    if (!w) {
        fatal("cannot publish the disk's nodes: " + w.error().message);
        return false;
    }
    if (!*w) return false;  // removed meanwhile: the next evaluate() drops the device
    for (const auto& [path, value] : nodes) {
        if (path != backend_ + "/state" &&
            std::find(written_.begin(), written_.end(), path) == written_.end()) {
            written_.push_back(path);
        }
    }
    failed_ = false;
    state_ = XenbusStateInitWait;
    return true;
}

void Device::connect() {
    auto params = read_frontend_params(
        [&](const std::string& n) { return node(frontend_ + "/" + n); }, options_.transport);
    if (!params) return fatal("frontend transport parameters: " + params.error().message);
    DeviceLimits limits;
    limits.sectors = backing_->sectors();
    limits.readonly = !config_->writable;
    limits.flush = config_->writable;
    limits.discard = config_->writable && config_->discard_enable.value_or(true);
    limits.max_indirect_segments = options_.max_indirect_segments;
    auto data = std::make_shared<DataPath>(backends_.grants, config_->frontend_id, backing_);
    context_ = std::shared_ptr<QueueContext>(new QueueContext{
        backends_.grants, backends_.events, backends_.executor, config_->frontend_id, limits,
        std::move(data), {}, [this](const std::string& line) { say(line); }});
    for (std::size_t i = 0; i < params->queues.size(); ++i) {
        auto queue = Queue::connect(context_, params->queues[i]);
        if (!queue) {
            return fatal("queue " + std::to_string(i) + ": " + queue.error().message);
        }
        queues_.push_back(std::move(*queue));
    }
    set_state(XenbusStateConnected);
    say("connected: " + std::to_string(queues_.size()) + " queue(s) of " +
        std::to_string(1u << params->ring_page_order) + " page(s), " +
        std::to_string(queues_.front()->ring_size()) + " requests each");
    // Requests queued before we bound the port raised no event we could see.
    for (const auto& q : queues_) on_event(q->local_port());
}

void Device::disconnect() {
    if (queues_.empty()) return;
    for (const auto& q : queues_) q->stop();
    queues_.clear();
    if (context_) {
        const auto& s = context_->stats;
        say("disconnected (" + std::to_string(s.requests) + " requests: " +
            std::to_string(s.reads) + " reads, " + std::to_string(s.writes) + " writes, " +
            std::to_string(s.flushes) + " flushes, " + std::to_string(s.discards) +
            " discards; " + std::to_string(s.bad_requests) + " refused, " +
            std::to_string(s.io_errors) + " I/O errors)");
    }
}

void Device::forget_nodes() {
    for (const auto& path : written_) (void)store_.rm(path);
    written_.clear();
}

void Device::on_event(evtchn_port_t port) {
    for (const auto& q : queues_) {
        if (q->local_port() != port) continue;
        if (!q->on_event()) fatal("frontend broke the ring protocol: " + q->error());
        return;
    }
}

bool Device::evaluate() {
    if (auto state = store_.read(backend_ + "/state"); !state && state.error().code == ENOENT) {
        disconnect();
        forget_nodes();
        say("removed");
        return false;
    }
    if (!config_) {
        if (failed_ || !configure()) return true;
    }
    const bool online = node(backend_ + "/online").value_or("1") != "0";
    const XenbusState front = parse_state(node(frontend_ + "/state"));
    switch (front) {
        case XenbusStateInitialising:
        case XenbusStateInitWait:
            // A frontend starting (again): offer ourselves anew if we closed or it restarted.
            if (online && state_ != XenbusStateInitWait) {
                disconnect();
                publish();
            }
            break;
        case XenbusStateInitialised:
        case XenbusStateConnected:
            if (!failed_ && state_ == XenbusStateInitWait) connect();
            break;
        case XenbusStateClosing:
            disconnect();
            if (state_ != XenbusStateClosed) set_state(XenbusStateClosing);
            break;
        case XenbusStateClosed:
            disconnect();
            set_state(XenbusStateClosed);
            break;
        default:  // no frontend (any more)
            if (connected()) {
                disconnect();
                set_state(XenbusStateClosed);
            }
            break;
    }
    if (!online && front != XenbusStateInitialised && front != XenbusStateConnected) {
        disconnect();
        set_state(XenbusStateClosed);
    }
    return true;
}

}  // namespace tessera::blkback
