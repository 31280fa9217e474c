// XEN_SYSCTL: host-wide queries for dom0's toolstack (Xen 4.17's sysctl.h, version 0x15).
#include "hv/arch/sched.h"
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/domctl.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/mm/page_alloc.h"
#include "hv/percpu.h"

namespace hv::hypercall {
namespace {

i64 readconsole(Vcpu& v, xen_sysctl& op) {
    xen_sysctl_readconsole& r = op.u.readconsole;
    GVAddr buf = handle_addr(r.buffer);
    u32 index = r.index;
    u32 done = 0;
    char chunk[256];
    bool clear = r.clear != 0;
    while (done < r.count) {
        u32 want = r.count - done < sizeof chunk ? r.count - done : sizeof chunk;
        usize n = console::history_read(chunk, want, index, done > 0 || r.incremental, false);
        if (n == 0) break;
        if (!copy_to_guest(v, buf + done, chunk, n)) return -kEFAULT;
        done += static_cast<u32>(n);
    }
    if (clear) console::history_read(chunk, 0, index, true, true);
    r.index = index;
    r.count = done;
    return 0;
}

i64 physinfo(xen_sysctl& op) {
    xen_sysctl_physinfo& p = op.u.physinfo;
    p = xen_sysctl_physinfo{};
    p.threads_per_core = 1;
    p.cores_per_socket = nr_cpus();
    p.nr_cpus = nr_cpus();
    p.max_cpu_id = PerCpu::kMaxCpus - 1;
    p.nr_nodes = 1;
    p.max_node_id = 0;
    p.cpu_khz = static_cast<u32>(arch::counter_hz() / 1000);  // Xen on Arm: the timer's rate
    p.capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap;
    // Pages the hypervisor manages: its heap (dom0's RAM is dom0's, as under Xen's dom0_mem).
    u64 dom0 = 0;
    if (const Domain* d0 = domain_by_id(0)) dom0 = d0->ram_pages;
    p.total_pages = mm::pages().total_pages() + dom0;
    p.free_pages = mm::pages().free_pages();
    p.max_mfn = (u64{1} << (40 - kPageShift)) - 1;
    return 0;
}

i64 getdomaininfolist(Vcpu& v, xen_sysctl& op) {
    xen_sysctl_getdomaininfolist& l = op.u.getdomaininfolist;
    GVAddr buf = handle_addr(l.buffer);
    u32 n = 0;
    for (Domain* d = next_domain(l.first_domain); d != nullptr && n < l.max_domains;
         d = d->id == 0xffff ? nullptr : next_domain(static_cast<u16>(d->id + 1))) {
        xen_domctl_getdomaininfo info;
        fill_domaininfo(*d, info);
        if (!put_guest(v, buf + n * sizeof info, info)) return -kEFAULT;
        ++n;
    }
    l.num_domains = n;
    return 0;
}

}  // namespace

i64 sysctl(Vcpu& v, GVAddr arg) {
    if (!v.domain->privileged) return -kEPERM;
    xen_sysctl op;
    if (!get_guest(v, arg, op)) return -kEFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION) return -kEACCES;
    i64 rc;
    switch (op.cmd) {
        case XEN_SYSCTL_readconsole: rc = readconsole(v, op); break;
        case XEN_SYSCTL_physinfo: rc = physinfo(op); break;
        case XEN_SYSCTL_getdomaininfolist: rc = getdomaininfolist(v, op); break;
        default: return -kENOSYS;
    }
    if (rc == 0 && !put_guest(v, arg, op)) return -kEFAULT;
    return rc;
}

}  // namespace hv::hypercall
