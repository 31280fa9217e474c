// What the queues (rings) of one virtual disk share: the devices they talk through, the
// frontend, the limits requests are checked against, the data path and the counters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "data_path.hpp"
#include "evtchn/event_channels.hpp"
#include "executor.hpp"
#include "protocol.hpp"

namespace tessera::blkback {

/// Per-device counters (event loop thread only).
struct DeviceStats {
    std::uint64_t requests = 0;
    std::uint64_t bad_requests = 0;  ///< refused with BLKIF_RSP_ERROR before any I/O
    std::uint64_t unsupported = 0;   ///< refused with BLKIF_RSP_EOPNOTSUPP
    std::uint64_t io_errors = 0;     ///< I/O or grant copy failed
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t flushes = 0;
    std::uint64_t discards = 0;
    std::uint64_t notifications = 0;  ///< events sent to the frontend
};

struct QueueContext {
    xen::GrantMapper& grants;
    xen::EventChannels& events;
    Executor& executor;
    domid_t frontend = 0;
    DeviceLimits limits;
    std::shared_ptr<DataPath> data;
    DeviceStats stats;
    /// One line per noteworthy event (the device's name is prefixed by the caller).
    std::function<void(const std::string&)> log;
    /// Bad requests logged before going quiet (a hostile guest must not flood the log).
    unsigned log_budget = 8;
};

}  // namespace tessera::blkback
