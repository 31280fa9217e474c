// event_channel_op: argument handling over core/event.
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/guest_access.h"
#include "hv/hypercall.h"
#include "hv/xen_abi.h"

namespace hv::hypercall {
namespace {

template <typename T, typename F>
i64 with_arg(Vcpu& v, GVAddr arg, F&& f) {
    T op;
    if (!get_guest(v, arg, op)) return -kEFAULT;
    i64 rc = f(op);
    if (rc < 0) return rc;
    return put_guest(v, arg, op) ? 0 : -kEFAULT;
}

i64 status(Vcpu& v, evtchn_status& st) {
    Domain* d = resolve_domid(*v.domain, st.dom);
    if (d == nullptr) return -kESRCH;
    if (d != v.domain && !v.domain->privileged) return -kEPERM;
    if (st.port >= event::kMaxPorts) return -kEINVAL;
    const event::Port& p = d->evtchn.ports[st.port];
    st.vcpu = p.vcpu;
    switch (p.state) {
        case event::PortState::kFree: st.status = EVTCHNSTAT_closed; break;
        case event::PortState::kReserved: st.status = EVTCHNSTAT_closed; break;
        case event::PortState::kUnbound:
            st.status = EVTCHNSTAT_unbound;
            st.u.unbound.dom = p.remote_dom;
            break;
        case event::PortState::kInterdomain:
            st.status = EVTCHNSTAT_interdomain;
            st.u.interdomain.dom = p.remote_dom;
            st.u.interdomain.port = p.remote_port;
            break;
        case event::PortState::kVirq:
            st.status = EVTCHNSTAT_virq;
            st.u.virq = p.virq;
            break;
    }
    return 0;
}

}  // namespace

i64 event_channel_op(Vcpu& v, u32 cmd, GVAddr arg) {
    Domain& self = *v.domain;
    switch (cmd) {
        case EVTCHNOP_alloc_unbound:
            return with_arg<evtchn_alloc_unbound>(v, arg, [&](evtchn_alloc_unbound& op) -> i64 {
                Domain* d = resolve_domid(self, op.dom);
                if (d == nullptr) return -kESRCH;
                if (d != &self && !self.privileged) return -kEPERM;
                i64 port = event::alloc_unbound(*d, op.remote_dom == DOMID_SELF ? self.id
                                                                                 : op.remote_dom);
                if (port < 0) return port;
                op.port = static_cast<evtchn_port_t>(port);
                return 0;
            });
        case EVTCHNOP_bind_interdomain:
            return with_arg<evtchn_bind_interdomain>(v, arg, [&](evtchn_bind_interdomain& op) -> i64 {
                Domain* r = resolve_domid(self, op.remote_dom);
                if (r == nullptr) return -kESRCH;
                i64 port = event::bind_interdomain(self, *r, op.remote_port);
                if (port < 0) return port;
                op.local_port = static_cast<evtchn_port_t>(port);
                return 0;
            });
        case EVTCHNOP_bind_virq:
            return with_arg<evtchn_bind_virq>(v, arg, [&](evtchn_bind_virq& op) -> i64 {
                i64 port = event::bind_virq(self, op.virq, op.vcpu);
                if (port < 0) return port;
                op.port = static_cast<evtchn_port_t>(port);
                return 0;
            });
        case EVTCHNOP_close: {
            evtchn_close op;
            return get_guest(v, arg, op) ? event::close(self, op.port) : -kEFAULT;
        }
        case EVTCHNOP_send: {
            evtchn_send op;
            return get_guest(v, arg, op) ? event::send(self, op.port) : -kEFAULT;
        }
        case EVTCHNOP_unmask: {
            evtchn_unmask op;
            return get_guest(v, arg, op) ? event::unmask(self, op.port) : -kEFAULT;
        }
        case EVTCHNOP_bind_vcpu: {
            evtchn_bind_vcpu op;
            return get_guest(v, arg, op) ? event::bind_vcpu(self, op.port, op.vcpu) : -kEFAULT;
        }
        case EVTCHNOP_status:
            return with_arg<evtchn_status>(v, arg, [&](evtchn_status& op) { return status(v, op); });
        default:
            return -kENOSYS;  // FIFO (init_control) is optional: Linux falls back to 2-level
    }
}

}  // namespace hv::hypercall
