// Grant copy plus store I/O for one request.
#include "data_path.hpp"

#include <cstdlib>
#include <cstring>

#include "gnttab/fake_grants.hpp"

namespace tessera::blkback {

namespace {

/// Page-aligned scratch memory (O_DIRECT needs sector-aligned buffers).
struct AlignedBuffer {
    explicit AlignedBuffer(std::size_t bytes) {
        const std::size_t rounded = (bytes + xen::kXenPageSize - 1) & ~(xen::kXenPageSize - 1);
        data = static_cast<std::byte*>(std::aligned_alloc(xen::kXenPageSize, rounded));
        if (data != nullptr) std::memset(data, 0, rounded);
    }
    ~AlignedBuffer() { std::free(data); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    std::byte* data = nullptr;
};

IoOutcome failed(std::int16_t status, std::string why) { return IoOutcome{status, std::move(why)}; }

}  // namespace

xen::Result<std::vector<blkif_request_segment>> DataPath::fetch_indirect(
    const IoPlan& plan) const {
    std::vector<blkif_request_segment> descriptors(plan.indirect_segments);
    std::vector<xen::GrantCopySegment> copies;
    std::size_t remaining = descriptors.size() * sizeof(blkif_request_segment);
    auto* out = reinterpret_cast<std::byte*>(descriptors.data());
    for (const grant_ref_t page : plan.indirect_pages) {
        const auto len = static_cast<std::uint16_t>(std::min(remaining, xen::kXenPageSize));
        if (len == 0) break;
        copies.push_back(xen::copy_from_grant(frontend_, page, 0, out, len));
        out += len;
        remaining -= len;
    }
    if (auto r = grants_.copy(copies); !r) return std::unexpected(r.error());
    for (const auto& c : copies) {
        if (c.status != GNTST_okay) {
            return xen::fail(EFAULT, std::string("indirect page: ") +
                                         xen::grant_status_name(c.status));
        }
    }
    return descriptors;
}

xen::Result<void> DataPath::copy(const IoPlan& plan, std::byte* buffer, bool to_guest) const {
    std::vector<xen::GrantCopySegment> copies;
    copies.reserve(plan.segments.size());
    for (const Segment& s : plan.segments) {
        copies.push_back(to_guest ? xen::copy_to_grant(buffer, frontend_, s.gref, s.offset, s.length)
                                  : xen::copy_from_grant(frontend_, s.gref, s.offset, buffer, s.length));
        buffer += s.length;
    }
    if (auto r = grants_.copy(copies); !r) return std::unexpected(r.error());
    for (std::size_t i = 0; i < copies.size(); ++i) {
        if (copies[i].status != GNTST_okay) {
            return xen::fail(EFAULT, "grant " + std::to_string(plan.segments[i].gref) + ": " +
                                         xen::grant_status_name(copies[i].status));
        }
    }
    return {};
}

IoOutcome DataPath::read(const IoPlan& plan) const {
    AlignedBuffer buffer(plan.bytes());
    if (buffer.data == nullptr) return failed(BLKIF_RSP_ERROR, "out of memory");
    if (auto r = store_->read(plan.sector * kSectorSize, {buffer.data, plan.bytes()}); !r) {
        return failed(BLKIF_RSP_ERROR, r.error().message);
    }
    if (auto r = copy(plan, buffer.data, true); !r) return failed(BLKIF_RSP_ERROR, r.error().message);
    return {};
}

IoOutcome DataPath::write(const IoPlan& plan) const {
    AlignedBuffer buffer(plan.bytes());
    if (buffer.data == nullptr) return failed(BLKIF_RSP_ERROR, "out of memory");
    if (auto r = copy(plan, buffer.data, false); !r) return failed(BLKIF_RSP_ERROR, r.error().message);
    if (plan.flush_first) {
        if (auto r = store_->flush(); !r) return failed(BLKIF_RSP_ERROR, r.error().message);
    }
    if (auto r = store_->write(plan.sector * kSectorSize, {buffer.data, plan.bytes()}); !r) {
        return failed(BLKIF_RSP_ERROR, r.error().message);
    }
    return {};
}

IoOutcome DataPath::execute(const IoPlan& plan) const {
    switch (plan.kind) {
        case IoKind::read: return read(plan);
        case IoKind::write: return write(plan);
        case IoKind::flush:
            if (auto r = store_->flush(); !r) return failed(BLKIF_RSP_ERROR, r.error().message);
            return {};
        case IoKind::discard:
            if (auto r = store_->discard(plan.sector * kSectorSize, plan.bytes()); !r) {
                const bool unsupported = r.error().code == EOPNOTSUPP;
                return failed(unsupported ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR,
                              r.error().message);
            }
            return {};
    }
    return failed(BLKIF_RSP_ERROR, "unknown plan");
}

}  // namespace tessera::blkback
