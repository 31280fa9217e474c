// One virtual disk (backend/vbd/<domid>/<devid>) and its xenbus state machine, as Linux's
// xen-blkfront expects it (xen/io/blkif.h "STATE DIAGRAMS", Linux xen-blkback xenbus.c):
//  - found: open the backing store, publish features and disk properties, go InitWait;
//  - frontend Initialised or Connected: read its rings, map them, bind the event channels,
//    go Connected;
//  - frontend Closing: disconnect, go Closing; Closed: disconnect, go Closed;
//  - frontend back to Initialising (a restart) after we closed or while connected:
//    disconnect, publish again, go InitWait;
//  - toolstack offline (online = 0) with no live frontend: disconnect, go Closed;
//  - backend directory removed: disconnect and remove the nodes we wrote.
// A frontend that breaks the protocol (bad ring indexes, bad transport parameters) fails its
// own device only: error node written, disconnected, Closed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xen/io/xenbus.h>

#include "backing_store.hpp"
#include "frontend_params.hpp"
#include "queue.hpp"
#include "vbd_config.hpp"
#include "vbd_store.hpp"

namespace tessera::blkback {

/// The devices every disk uses.
struct Backends {
    xen::GrantMapper& grants;
    xen::EventChannels& events;
    Executor& executor;
};

struct DeviceOptions {
    TransportLimits transport;
    std::uint32_t max_indirect_segments = kDefaultMaxIndirectSegments;
    bool direct_io = true;
    std::function<void(const std::string&)> log;
};

class Device {
public:
    Device(Backends backends, VbdStore& store, std::string backend_path, domid_t domid,
           std::uint32_t devid, DeviceOptions options);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    /// Read the backend and frontend nodes and move the state machine; false once the backend
    /// directory is gone (the device is then torn down and should be dropped).
    bool evaluate();
    /// An event on one of our ports.
    void on_event(evtchn_port_t port);

    XenbusState state() const { return state_; }
    bool connected() const { return !queues_.empty(); }
    std::vector<evtchn_port_t> ports() const;
    const std::string& frontend_path() const { return frontend_; }
    const std::string& backend_path() const { return backend_; }
    /// Counters of the current (or last) connection; null before the first one.
    const DeviceStats* stats() const { return context_ ? &context_->stats : nullptr; }
    const std::vector<std::shared_ptr<Queue>>& queues() const { return queues_; }

private:
    std::optional<std::string> node(const std::string& path) const;
    bool configure();
    bool publish();
    void connect();
    void disconnect();
    void set_state(XenbusState state);
    void fatal(const std::string& why);
    void say(const std::string& line) const;
    void forget_nodes();

    Backends backends_;
    VbdStore& store_;
    std::string backend_;
    domid_t domid_;
    std::uint32_t devid_;
    DeviceOptions options_;
    std::string frontend_;
    std::optional<VbdConfig> config_;
    std::shared_ptr<BackingStore> backing_;
    std::shared_ptr<QueueContext> context_;
    std::vector<std::shared_ptr<Queue>> queues_;
    std::vector<std::string> written_;  ///< nodes we created, removed with the device
    XenbusState state_ = XenbusStateInitialising;
    bool failed_ = false;  ///< stays down until the frontend starts over
};

/// The nodes (relative name, value) published before InitWait for a disk.
std::vector<std::pair<std::string, std::string>> backend_nodes(const VbdConfig& config,
                                                               const BackingStore& store,
                                                               const DeviceOptions& options);

}  // namespace tessera::blkback
