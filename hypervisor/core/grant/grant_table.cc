// Grant-table frames (see hv/grant.h).
#include "hv/domain.h"
#include "hv/grant.h"
#include "hv/mm/page_alloc.h"

namespace hv::grant {

PAddr frame(Domain& d, u32 idx) {
    Table& t = d.gnttab;
    if (idx >= t.max_frames || idx >= kMaxFrames) return PAddr(0);
    while (t.nr_frames <= idx) {
        PAddr f = mm::pages().alloc();
        if (f.raw() == 0) return PAddr(0);
        t.frames[t.nr_frames++] = f;
    }
    return t.frames[idx];
}

void destroy(Domain& d) {
    Table& t = d.gnttab;
    for (u32 i = 0; i < t.nr_frames; ++i) mm::pages().free(t.frames[i]);
    t.nr_frames = 0;
}

}  // namespace hv::grant
