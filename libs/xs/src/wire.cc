// Xenstore wire helpers: header coding, error names, NUL-separated string lists.
#include "xs/wire.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

namespace tessera::xs {

Header decode_header(std::span<const char, kHeaderSize> bytes) {
    xsd_sockmsg raw;
    std::memcpy(&raw, bytes.data(), sizeof raw);
    return Header{raw.type, raw.req_id, raw.tx_id, raw.len};
}

void encode(std::string& out, std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
            std::string_view payload) {
    const xsd_sockmsg raw{type, req_id, tx_id, static_cast<std::uint32_t>(payload.size())};
    const auto old = out.size();
    out.resize(old + sizeof raw);
    std::memcpy(out.data() + old, &raw, sizeof raw);
    out.append(payload);
}

std::string encode(std::uint32_t type, std::uint32_t req_id, std::uint32_t tx_id,
                   std::string_view payload) {
    std::string out;
    out.reserve(kHeaderSize + payload.size());
    encode(out, type, req_id, tx_id, payload);
    return out;
}

std::string_view type_name(std::uint32_t type) {
    switch (type) {
        case XS_CONTROL:
            return "CONTROL";
        case XS_DIRECTORY:
            return "DIRECTORY";
        case XS_READ:
            return "READ";
        case XS_GET_PERMS:
            return "GET_PERMS";
        case XS_WATCH:
            return "WATCH";
        case XS_UNWATCH:
            return "UNWATCH";
        case XS_TRANSACTION_START:
            return "TRANSACTION_START";
        case XS_TRANSACTION_END:
            return "TRANSACTION_END";
        case XS_INTRODUCE:
            return "INTRODUCE";
        case XS_RELEASE:
            return "RELEASE";
        case XS_GET_DOMAIN_PATH:
            return "GET_DOMAIN_PATH";
        case XS_WRITE:
            return "WRITE";
        case XS_MKDIR:
            return "MKDIR";
        case XS_RM:
            return "RM";
        case XS_SET_PERMS:
            return "SET_PERMS";
        case XS_WATCH_EVENT:
            return "WATCH_EVENT";
        case XS_ERROR:
            return "ERROR";
        case XS_IS_DOMAIN_INTRODUCED:
            return "IS_DOMAIN_INTRODUCED";
        case XS_RESUME:
            return "RESUME";
        case XS_SET_TARGET:
            return "SET_TARGET";
        case XS_RESET_WATCHES:
            return "RESET_WATCHES";
        case XS_DIRECTORY_PART:
            return "DIRECTORY_PART";
        default:
            return "UNKNOWN";
    }
}

std::string_view error_name(int err) {
    for (const auto& e : xsd_errors) {
        if (e.errnum == err) return e.errstring;
    }
    return xsd_errors[0].errstring;  // Xen sends EINVAL for anything untranslatable.
}

std::optional<int> error_from_name(std::string_view name) {
    for (const auto& e : xsd_errors) {
        if (name == e.errstring) return e.errnum;
    }
    return std::nullopt;
}

std::vector<std::string_view> split_strings(std::string_view payload, std::string_view* tail) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < payload.size()) {
        const auto nul = payload.find('\0', pos);
        if (nul == std::string_view::npos) break;
        out.push_back(payload.substr(pos, nul - pos));
        pos = nul + 1;
    }
    if (tail != nullptr) *tail = payload.substr(std::min(pos, payload.size()));
    return out;
}

std::string join_strings(std::span<const std::string> items) {
    std::string out;
    for (const auto& s : items) {
        out.append(s);
        out.push_back('\0');
    }
    return out;
}

std::size_t StreamDecoder::feed(std::span<const char> bytes) {
    std::size_t used = 0;
    if (status_ != Status::kNeedMore) return 0;
    if (header_used_ < kHeaderSize) {
        const auto n = std::min(bytes.size(), kHeaderSize - header_used_);
        std::memcpy(header_bytes_ + header_used_, bytes.data(), n);
        header_used_ += n;
        used += n;
        if (header_used_ < kHeaderSize) return used;
        current_.header = decode_header(std::span<const char, kHeaderSize>(header_bytes_));
        if (current_.header.len > kPayloadMax) {
            status_ = Status::kTooLong;
            return used;
        }
        current_.payload.reserve(current_.header.len);
    }
    const auto want = current_.header.len - current_.payload.size();
    const auto n = std::min(want, bytes.size() - used);
    current_.payload.append(bytes.data() + used, n);
    used += n;
    if (current_.payload.size() == current_.header.len) status_ = Status::kMessage;
    return used;
}

std::size_t StreamDecoder::wanted() const {
    if (status_ != Status::kNeedMore) return 0;
    if (header_used_ < kHeaderSize) return kHeaderSize - header_used_;
    return current_.header.len - current_.payload.size();
}

std::string StreamDecoder::partial() const {
    std::string out(header_bytes_, header_used_);
    if (header_used_ == kHeaderSize) out += current_.payload;
    return out;
}

Message StreamDecoder::take() {
    Message m = std::move(current_);
    current_ = Message{};
    header_used_ = 0;
    status_ = Status::kNeedMore;
    return m;
}

}  // namespace tessera::xs
