// Request validation: every field of the private copy is checked once, here.
#include "protocol.hpp"

#include <cstring>

namespace tessera::blkback {

namespace {

Rejection reject(std::uint64_t id, std::uint8_t operation, std::int16_t status,
                 const char* reason) {
    return Rejection{id, operation, status, reason};
}

/// Check descriptors and append them to `plan` (segments, nr_sectors); nullptr when fine.
const char* add_segments(IoPlan& plan, std::span<const blkif_request_segment> descriptors) {
    for (const blkif_request_segment& d : descriptors) {
        if (d.gref < GNTTAB_NR_RESERVED_ENTRIES) return "segment names a reserved grant ref";
        if (d.first_sect > d.last_sect) return "segment first_sect > last_sect";
        if (d.last_sect >= kSectorsPerPage) return "segment last_sect beyond its page";
        const unsigned count = d.last_sect - d.first_sect + 1u;
        plan.segments.push_back(Segment{d.gref, static_cast<std::uint16_t>(d.first_sect * kSectorSize),
                                        static_cast<std::uint16_t>(count * kSectorSize)});
        plan.nr_sectors += count;
    }
    return nullptr;
}

bool within_device(std::uint64_t sector, std::uint64_t count, const DeviceLimits& limits) {
    return sector <= limits.sectors && count <= limits.sectors - sector;
}

Decision decode_direct(const blkif_request& r, const DeviceLimits& limits) {
    IoPlan plan;
    plan.id = r.id;
    plan.operation = r.operation;
    plan.sector = r.sector_number;
    const bool is_flush = r.operation == BLKIF_OP_FLUSH_DISKCACHE;
    if (is_flush) {
        if (r.nr_segments > 0 && limits.readonly) {
            return reject(r.id, r.operation, BLKIF_RSP_ERROR, "flush with data on a read-only device");
        }
        if (!limits.flush) {
            return reject(r.id, r.operation, BLKIF_RSP_EOPNOTSUPP, "flush not offered");
        }
        plan.kind = r.nr_segments > 0 ? IoKind::write : IoKind::flush;
        plan.flush_first = r.nr_segments > 0;
        if (r.nr_segments == 0) {
            plan.sector = 0;  // ignored for a pure flush
            return plan;
        }
    } else {
        plan.kind = r.operation == BLKIF_OP_WRITE ? IoKind::write : IoKind::read;
        if (plan.kind == IoKind::write && limits.readonly) {
            return reject(r.id, r.operation, BLKIF_RSP_ERROR, "write to a read-only device");
        }
        if (r.nr_segments == 0) return reject(r.id, r.operation, BLKIF_RSP_ERROR, "no segments");
    }
    if (r.nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        return reject(r.id, r.operation, BLKIF_RSP_ERROR, "too many segments");
    }
    if (const char* bad = add_segments(plan, std::span(r.seg, r.nr_segments))) {
        return reject(r.id, r.operation, BLKIF_RSP_ERROR, bad);
    }
    if (!within_device(plan.sector, plan.nr_sectors, limits)) {
        return reject(r.id, r.operation, BLKIF_RSP_ERROR, "sectors beyond the end of the device");
    }
    return plan;
}

Decision decode_discard(const blkif_request& raw, const DeviceLimits& limits) {
    blkif_request_discard r;
    static_assert(sizeof r <= sizeof raw);
    std::memcpy(&r, &raw, sizeof r);
    if (limits.readonly) {
        return reject(r.id, r.operation, BLKIF_RSP_ERROR, "discard on a read-only device");
    }
    if (!limits.discard) return reject(r.id, r.operation, BLKIF_RSP_EOPNOTSUPP, "discard not offered");
    if (r.flag & BLKIF_DISCARD_SECURE) {
        return reject(r.id, r.operation, BLKIF_RSP_EOPNOTSUPP, "secure discard not offered");
    }
    if (!within_device(r.sector_number, r.nr_sectors, limits)) {
        return reject(r.id, r.operation, BLKIF_RSP_ERROR, "discard beyond the end of the device");
    }
    IoPlan plan;
    plan.kind = IoKind::discard;
    plan.id = r.id;
    plan.operation = r.operation;
    plan.sector = r.sector_number;
    plan.nr_sectors = r.nr_sectors;
    return plan;
}

Decision decode_indirect(const blkif_request& raw, const DeviceLimits& limits) {
    blkif_request_indirect r;
    static_assert(sizeof r <= sizeof raw);
    std::memcpy(&r, &raw, sizeof r);
    // Linux's blkfront matches the response's operation against indirect_op.
    const std::uint8_t op = r.indirect_op;
    if (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) {
        return reject(r.id, op, BLKIF_RSP_ERROR, "indirect request of neither read nor write");
    }
    if (limits.max_indirect_segments == 0) {
        return reject(r.id, op, BLKIF_RSP_EOPNOTSUPP, "indirect requests not offered");
    }
    if (op == BLKIF_OP_WRITE && limits.readonly) {
        return reject(r.id, op, BLKIF_RSP_ERROR, "write to a read-only device");
    }
    if (r.nr_segments == 0 || r.nr_segments > limits.max_indirect_segments ||
        r.nr_segments > kMaxIndirectSegmentsLimit) {
        return reject(r.id, op, BLKIF_RSP_ERROR, "bad number of indirect segments");
    }
    const unsigned pages = (r.nr_segments + kSegmentsPerIndirectPage - 1) / kSegmentsPerIndirectPage;
    IoPlan plan;
    plan.kind = op == BLKIF_OP_WRITE ? IoKind::write : IoKind::read;
    plan.id = r.id;
    plan.operation = op;
    plan.sector = r.sector_number;
    plan.indirect_segments = r.nr_segments;
    for (unsigned i = 0; i < pages; ++i) {
        if (r.indirect_grefs[i] < GNTTAB_NR_RESERVED_ENTRIES) {
            return reject(r.id, op, BLKIF_RSP_ERROR, "indirect page is a reserved grant ref");
        }
        plan.indirect_pages.push_back(r.indirect_grefs[i]);
    }
    return plan;
}

}  // namespace

Decision decode(const blkif_request& request, const DeviceLimits& limits) {
    switch (request.operation) {
        case BLKIF_OP_READ:
        case BLKIF_OP_WRITE:
        case BLKIF_OP_FLUSH_DISKCACHE: return decode_direct(request, limits);
        case BLKIF_OP_DISCARD: return decode_discard(request, limits);
        case BLKIF_OP_INDIRECT: return decode_indirect(request, limits);
        case BLKIF_OP_WRITE_BARRIER:
            return reject(request.id, request.operation, BLKIF_RSP_EOPNOTSUPP,
                          "barriers not offered");
        default:
            return reject(request.id, request.operation, BLKIF_RSP_EOPNOTSUPP,
                          "unknown operation");
    }
}

std::optional<Rejection> complete_indirect(IoPlan& plan,
                                           std::span<const blkif_request_segment> descriptors,
                                           const DeviceLimits& limits) {
    plan.segments.clear();
    plan.nr_sectors = 0;
    if (descriptors.size() != plan.indirect_segments || descriptors.empty()) {
        return reject(plan.id, plan.operation, BLKIF_RSP_ERROR, "indirect descriptors missing");
    }
    if (const char* bad = add_segments(plan, descriptors)) {
        plan.segments.clear();
        return reject(plan.id, plan.operation, BLKIF_RSP_ERROR, bad);
    }
    if (!within_device(plan.sector, plan.nr_sectors, limits)) {
        plan.segments.clear();
        return reject(plan.id, plan.operation, BLKIF_RSP_ERROR,
                      "sectors beyond the end of the device");
    }
    return std::nullopt;
}

blkif_response make_response(std::uint64_t id, std::uint8_t operation, std::int16_t status) {
    blkif_response response;
    std::memset(&response, 0, sizeof response);
    response.id = id;
    response.operation = operation;
    response.status = status;
    return response;
}

}  // namespace tessera::blkback
