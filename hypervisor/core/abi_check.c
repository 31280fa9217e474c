/* Compile-time check that the C++ mirrors in hv/xen_abi.h match Debian's libxen-dev headers
 * compiled as C (where the empty arch structs have size 0). Produces no code. */
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>

_Static_assert(sizeof(struct vcpu_info) == 48, "vcpu_info size");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "vcpu_info.evtchn_pending_sel");
_Static_assert(offsetof(struct vcpu_info, time) == 16, "vcpu_info.time");
_Static_assert(sizeof(struct shared_info) == 1088, "shared_info size");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 48, "shared_info.evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 560, "shared_info.evtchn_mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 1072, "shared_info.wc_version");
_Static_assert(offsetof(struct shared_info, wc_sec_hi) == 1084, "shared_info.wc_sec_hi");
