// Guest memory access for hypercalls (see hv/guest_access.h).
#include "hv/guest_access.h"

#include "hv/arch/memory.h"
#include "hv/domain.h"

namespace hv {
namespace {

/// The hypervisor pointer for the guest byte at `va`, valid to the end of its page.
u8* resolve(Vcpu& v, GVAddr va, bool write) {
    IPAddr ipa;
    if (!arch::translate_gva(v, va, write, ipa)) return nullptr;
    mm::P2mEntry e = v.domain->p2m.lookup(ipa);
    if (e.type != mm::P2mType::kRam) return nullptr;
    if (write && e.perm != mm::Perm::kReadWrite) return nullptr;
    return static_cast<u8*>(arch::phys_to_virt(e.pa)) + (ipa.raw() & (kPageSize - 1));
}

template <typename Copy>
bool copy_pages(Vcpu& v, u64 va, usize len, bool write, Copy&& copy) {
    usize done = 0;
    while (done < len) {
        u64 addr = va + done;
        usize chunk = kPageSize - (addr & (kPageSize - 1));
        if (chunk > len - done) chunk = len - done;
        u8* p = resolve(v, GVAddr(addr), write);
        if (p == nullptr) return false;
        copy(p, done, chunk);
        done += chunk;
    }
    return true;
}

}  // namespace

bool copy_from_guest(Vcpu& v, GVAddr src, void* dst, usize len) {
    auto* out = static_cast<u8*>(dst);
    return copy_pages(v, src.raw(), len, false,
                      [&](u8* p, usize off, usize n) { __builtin_memcpy(out + off, p, n); });
}

bool copy_to_guest(Vcpu& v, GVAddr dst, const void* src, usize len) {
    auto* in = static_cast<const u8*>(src);
    return copy_pages(v, dst.raw(), len, true,
                      [&](u8* p, usize off, usize n) { __builtin_memcpy(p, in + off, n); });
}

void* map_guest_ram(Vcpu& v, u64 gfn, bool write) {
    mm::P2mEntry e = v.domain->p2m.lookup(IPAddr(gfn << kPageShift));
    if (e.type != mm::P2mType::kRam) return nullptr;
    if (write && e.perm != mm::Perm::kReadWrite) return nullptr;
    return arch::phys_to_virt(e.pa);
}

}  // namespace hv
