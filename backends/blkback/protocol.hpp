// The blkif request protocol (xen/io/blkif.h), independent of rings and transports: a request
// that was copied once out of the shared ring is validated here, field by field, and becomes
// either an I/O plan or a rejection carrying the response status. Nothing here reads guest
// memory; indirect requests are validated in two steps (the request, then the segment
// descriptors once the caller has copied them out of the indirect pages).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "hvcall/xen_abi.hpp"

#include <xen/io/blkif.h>

namespace tessera::blkback {

/// Bytes per sector in every sector-based field of the protocol (blkif.h: "sector-size" 512,
/// the only value a frontend without feature-large-sector-size accepts).
inline constexpr std::uint32_t kSectorSize = 512;
/// Sectors per 4 KiB grant page (first_sect/last_sect range over 0..7).
inline constexpr std::uint32_t kSectorsPerPage = xen::kXenPageSize / kSectorSize;
/// Segment descriptors per indirect page (blkif.h BLKIF_OP_INDIRECT).
inline constexpr std::uint32_t kSegmentsPerIndirectPage =
    xen::kXenPageSize / sizeof(blkif_request_segment);
/// The most indirect segments we offer (feature-max-indirect-segments), as Linux's blkback.
inline constexpr std::uint32_t kDefaultMaxIndirectSegments = 256;
inline constexpr std::uint32_t kMaxIndirectSegmentsLimit =
    kSegmentsPerIndirectPage * BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST;

/// What a request may do on this device.
struct DeviceLimits {
    std::uint64_t sectors = 0;
    bool readonly = false;
    bool flush = true;    ///< feature-flush-cache offered
    bool discard = true;  ///< feature-discard offered
    std::uint32_t max_indirect_segments = kDefaultMaxIndirectSegments;  ///< 0: no indirect
};

enum class IoKind { read, write, flush, discard };

/// One piece of a guest page: `length` bytes at `offset` of grant `gref` (within 4 KiB).
struct Segment {
    grant_ref_t gref = 0;
    std::uint16_t offset = 0;
    std::uint16_t length = 0;
};

/// A validated request.
struct IoPlan {
    IoKind kind = IoKind::read;
    std::uint64_t id = 0;
    std::uint8_t operation = 0;  ///< for the response (an indirect request's indirect_op)
    std::uint64_t sector = 0;    ///< first sector on the device
    std::uint64_t nr_sectors = 0;
    bool flush_first = false;  ///< BLKIF_OP_FLUSH_DISKCACHE carrying data: flush, then write
    std::vector<Segment> segments;
    /// Indirect requests before complete_indirect(): the pages holding the descriptors.
    std::vector<grant_ref_t> indirect_pages;
    std::uint16_t indirect_segments = 0;

    bool needs_indirect() const { return !indirect_pages.empty() && segments.empty(); }
    std::uint64_t bytes() const { return nr_sectors * kSectorSize; }
};

/// A refused request: the response to send and why (for the log and counters).
struct Rejection {
    std::uint64_t id = 0;
    std::uint8_t operation = 0;
    std::int16_t status = BLKIF_RSP_ERROR;
    const char* reason = "";
};

using Decision = std::variant<IoPlan, Rejection>;

/// Validate a request copied out of the ring.
Decision decode(const blkif_request& request, const DeviceLimits& limits);

/// Second step of an indirect request: `descriptors` were copied out of the indirect pages
/// (exactly plan.indirect_segments of them). Fills plan.segments, or returns the rejection.
std::optional<Rejection> complete_indirect(IoPlan& plan,
                                           std::span<const blkif_request_segment> descriptors,
                                           const DeviceLimits& limits);

/// A response with every byte defined (padding zeroed).
blkif_response make_response(std::uint64_t id, std::uint8_t operation, std::int16_t status);

}  // namespace tessera::blkback
