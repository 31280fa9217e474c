// The per-domain emulated MMIO map (see hv/mmio.h).
#include "hv/mmio.h"

namespace hv::mmio {

bool Bus::add(const Region& r) {
    if (count_ == kMaxRegions || r.size == 0 || r.ops.access == nullptr) return false;
    for (usize i = 0; i < count_; ++i) {
        const Region& o = regions_[i];
        if (r.base < o.base + o.size && o.base < r.base + r.size) return false;
    }
    regions_[count_++] = r;
    return true;
}

Result Bus::dispatch(Vcpu& v, IPAddr ipa, Access& a) const {
    for (usize i = 0; i < count_; ++i) {
        const Region& r = regions_[i];
        if (ipa >= r.base && ipa < r.base + r.size) {
            a.offset = ipa - r.base;
            if (a.offset + a.size > r.size) return Result::kUnhandled;
            return r.ops.access(v, r.ctx, a);
        }
    }
    return Result::kUnhandled;
}

}  // namespace hv::mmio
