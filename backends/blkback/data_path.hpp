// Moving a validated request's bytes between the guest's granted pages and the backing store,
// by grant copy (GNTTABOP_copy through gntdev, one batch per request) into a page-aligned
// bounce buffer of ours: the guest's pages are never mapped, so what the store reads or writes
// cannot change under us, and O_DIRECT works on our own memory (docs/blkback.md).
// Runs on the I/O workers: execute() touches only the store, the grant device and the buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backing_store.hpp"
#include "gnttab/grants.hpp"
#include "protocol.hpp"

namespace tessera::blkback {

/// The status of a request and, when it failed, why (for the log).
struct IoOutcome {
    std::int16_t status = BLKIF_RSP_OKAY;
    std::string error;
};

class DataPath {
public:
    DataPath(xen::GrantMapper& grants, domid_t frontend, std::shared_ptr<BackingStore> store)
        : grants_(grants), frontend_(frontend), store_(std::move(store)) {}

    /// Copy an indirect request's segment descriptors out of its pages, once.
    xen::Result<std::vector<blkif_request_segment>> fetch_indirect(const IoPlan& plan) const;
    /// Carry out a complete plan.
    IoOutcome execute(const IoPlan& plan) const;

    domid_t frontend() const { return frontend_; }
    const std::shared_ptr<BackingStore>& store() const { return store_; }

private:
    IoOutcome read(const IoPlan& plan) const;
    IoOutcome write(const IoPlan& plan) const;
    /// Grant-copy each segment to or from consecutive bytes of `buffer`.
    xen::Result<void> copy(const IoPlan& plan, std::byte* buffer, bool to_guest) const;

    xen::GrantMapper& grants_;
    domid_t frontend_;
    std::shared_ptr<BackingStore> store_;
};

}  // namespace tessera::blkback
