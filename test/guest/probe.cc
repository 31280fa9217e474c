// The probe guest: a bare-metal arm64 Image started like any guest (`xl create`), which asks
// the hypervisor for what an unprivileged domain must be refused and prints one line per
// check on its PV console:
//   probe: <check>: got <value> want <what>: ok|FAIL
//   probe: N checks, M failed
// then shuts itself down: poweroff, or crash with "probe=crash" on its command line. The
// expectations are Xen 4.17's, so the same guest runs on both hypervisors. With "probe=bench"
// it measures path lengths instead (bench.cc), also when booted by QEMU without a hypervisor.
#include <libfdt.h>

#include "guest.h"

using namespace probe;

namespace {

constinit u32 g_checks = 0;
constinit u32 g_failed = 0;

void report(const char* name, i64 got, const char* want, bool ok) {
    ++g_checks;
    g_failed += ok ? 0 : 1;
    write("probe: ");
    write(name);
    write(": got ");
    write_dec(got);
    write(" want ");
    write(want);
    write(ok ? ": ok\n" : ": FAIL\n");
}

alignas(4096) constinit unsigned char g_page[4096] = {};
alignas(64) constinit xen_domctl g_domctl = {};
alignas(64) constinit xen_sysctl g_sysctl = {};

void check_control() {
    g_domctl.cmd = XEN_DOMCTL_getdomaininfo;
    g_domctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    g_domctl.domain = 0;
    i64 rc = hypercall(__HYPERVISOR_domctl, ptr(&g_domctl));
    report("domctl getdomaininfo", rc, "-EPERM", rc == -1);
    g_sysctl.cmd = XEN_SYSCTL_physinfo;
    g_sysctl.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    rc = hypercall(__HYPERVISOR_sysctl, ptr(&g_sysctl));
    report("sysctl physinfo", rc, "-EPERM", rc == -1);
    sched_remote_shutdown rs{0, SHUTDOWN_poweroff};
    rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, ptr(&rs));
    report("remote shutdown of dom0", rc, "-EPERM", rc == -1);
    const char text[] = "probe";
    rc = hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof text - 1, ptr(text));
    report("console_io write", rc, "-EPERM", rc == -1);
}

void check_memory() {
    // Mapping one of dom0's frames into our physmap (what privcmd's MMAPBATCH does in dom0).
    xen_ulong_t idx = 0x40000;
    xen_pfn_t gpfn = (GUEST_GNTTAB_BASE >> 12) + 200;
    int err = 0;
    xen_add_to_physmap_batch b{};
    b.domid = DOMID_SELF;
    b.space = XENMAPSPACE_gmfn_foreign;
    b.size = 1;
    b.u.foreign_domid = 0;
    set_xen_guest_handle(b.idxs, &idx);
    set_xen_guest_handle(b.gpfns, &gpfn);
    set_xen_guest_handle(b.errs, &err);
    i64 rc = hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, ptr(&b));
    // Xen reports a refused frame in errs[] (rc 0); refusing the whole batch is as good.
    report("foreign map of dom0", rc == 0 ? err : rc, "-EPERM", rc == -1 || (rc == 0 && err == -1));
    xen_pfn_t frame = 0x7000;
    xen_memory_reservation r{};
    set_xen_guest_handle(r.extent_start, &frame);
    r.nr_extents = 1;
    r.domid = 0;
    rc = hypercall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, ptr(&r));
    report("populate_physmap for dom0", rc, "-EPERM", rc == -1);
}

void check_events_and_grants() {
    evtchn_alloc_unbound a{};
    a.dom = 0;
    a.remote_dom = DOMID_SELF;
    i64 rc = hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, ptr(&a));
    report("alloc_unbound in dom0", rc, "-EPERM", rc == -1);
    gnttab_query_size q{};
    q.dom = 0;
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, ptr(&q), 1);
    report("grant query_size of dom0", rc == 0 ? q.status : rc, "GNTST_permission_denied",
           rc == 0 && q.status == GNTST_permission_denied);
    // A grant dom0 never gave us.
    gnttab_map_grant_ref m{};
    m.host_addr = GUEST_GNTTAB_BASE + (201ull << 12);
    m.flags = GNTMAP_host_map;
    m.ref = 300;
    m.dom = 0;
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, ptr(&m), 1);
    report("map of an ungranted ref", rc == 0 ? m.status : rc, "a GNTST error",
           rc == 0 && m.status < 0);
    // A copy from one of dom0's frames named directly, not through a grant.
    gnttab_copy c{};
    c.source.u.gmfn = 0x40000;
    c.source.domid = 0;
    c.dest.u.gmfn = ptr(g_page) >> 12;
    c.dest.domid = DOMID_SELF;
    c.len = 64;
    rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, ptr(&c), 1);
    report("copy from a dom0 frame", rc == 0 ? c.status : rc, "GNTST_permission_denied",
           rc == 0 && c.status == GNTST_permission_denied);
}

}  // namespace

extern "C" void probe_main(const void* dtb) {
    const bool xen = fdt_check_header(dtb) == 0 && on_xen(dtb);
    if (!console_init(dtb, xen)) {  // nowhere to report to
        if (xen) shutdown(SHUTDOWN_crash);
        system_off(dtb);
    }
    if (has_arg(dtb, "probe=bench")) {
        run_bench(dtb, xen);
        if (xen) shutdown(SHUTDOWN_poweroff);
        system_off(dtb);
    }
    if (!xen) {
        write("probe: no Xen-ABI hypervisor in the device tree; only probe=bench runs natively\n");
        system_off(dtb);
    }
    i64 version = hypercall(__HYPERVISOR_xen_version, XENVER_version, 0);
    write("probe: started on a Xen ");
    write_dec(version >> 16);
    write(".");
    write_dec(version & 0xffff);
    write(" ABI\n");
    check_control();
    check_memory();
    check_events_and_grants();
    write("probe: ");
    write_dec(g_checks);
    write(" checks, ");
    write_dec(g_failed);
    write(" failed\n");
    if (has_arg(dtb, "probe=crash")) {
        write("probe: crashing on request\n");
        shutdown(SHUTDOWN_crash);
    }
    shutdown(SHUTDOWN_poweroff);
}
