// The table of live domains.
#include "hv/domain.h"
#include "hv/xen_abi.h"

namespace hv {
namespace {
constexpr usize kMaxDomains = 64;
constinit Domain* g_domains[kMaxDomains] = {};
}  // namespace

Domain* domain_by_id(u16 id) {
    for (Domain* d : g_domains)
        if (d != nullptr && d->id == id) return d;
    return nullptr;
}

Domain* resolve_domid(Domain& caller, u16 id) {
    return id == DOMID_SELF ? &caller : domain_by_id(id);
}

bool register_domain(Domain& d) {
    if (domain_by_id(d.id) != nullptr) return false;
    for (Domain*& slot : g_domains) {
        if (slot == nullptr) {
            slot = &d;
            return true;
        }
    }
    return false;
}

void for_each_domain(void (*f)(Domain& d, void* ctx), void* ctx) {
    for (Domain* d : g_domains)
        if (d != nullptr) f(*d, ctx);
}

Domain* next_domain(u16 id) {
    Domain* best = nullptr;
    for (Domain* d : g_domains)
        if (d != nullptr && d->id >= id && (best == nullptr || d->id < best->id)) best = d;
    return best;
}

u32 nr_domains() {
    u32 n = 0;
    for (Domain* d : g_domains) n += d != nullptr;
    return n;
}

void unregister_domain(Domain& d) {
    for (Domain*& slot : g_domains)
        if (slot == &d) slot = nullptr;
}

}  // namespace hv
