// Routing console input between dom0 and the hypervisor's debug keys (Ctrl-A three times
// switches, as in Xen).
#include "hv/console.h"
#include "hv/domain.h"
#include "hv/percpu.h"

namespace hv::console {
namespace {

constexpr char kCtrlA = 0x01;
constinit int g_ctrl_a = 0;
constinit bool g_to_hypervisor = false;

const char* state_name(VcpuState s) {
    switch (s) {
        case VcpuState::kOffline: return "offline";
        case VcpuState::kRunnable: return "runnable";
        case VcpuState::kBlocked: return "blocked";
        case VcpuState::kPaused: return "paused";
    }
    return "?";
}

void dump_domain(Domain& dom, void*) {
    Domain* d = &dom;
    {
        print("(tessera) domain %u: %u vCPU(s), %llu pages, %s%s\n", d->id, d->nr_vcpus,
              static_cast<unsigned long long>(d->ram_pages), d->privileged ? "privileged" : "guest",
              d->is_shutdown ? ", shut down" : "");
        for (u32 i = 0; i < d->nr_vcpus; ++i) {
            const Vcpu& v = d->vcpus[i];
            print("(tessera)   vcpu %u: %s on pCPU %u, pc 0x%llx, loaded %llu times\n", v.id,
                  state_name(v.state), v.pcpu, static_cast<unsigned long long>(v.arch.regs.pc),
                  static_cast<unsigned long long>(v.switches_in));
        }
    }
}

void dump_domains() { for_each_domain(dump_domain, nullptr); }

void dump_cpus() {
    for (u32 c = 0; c < nr_cpus(); ++c) {
        PerCpu& p = cpu(c);
        print("(tessera) pCPU %u (MPIDR 0x%llx): %u vCPU(s) queued, current d%dv%d\n", p.id,
              static_cast<unsigned long long>(p.mpidr), p.nr_runq,
              p.current ? static_cast<int>(p.current->domain->id) : -1,
              p.current ? static_cast<int>(p.current->id) : -1);
        print("(tessera)   exits: irq %llu, idle wake-ups %llu", static_cast<unsigned long long>(p.exits_irq),
              static_cast<unsigned long long>(p.idle_wakeups));
        for (u32 ec = 0; ec < 64; ++ec)
            if (p.exits_sync[ec] != 0)
                print(", ec%02x %llu", ec, static_cast<unsigned long long>(p.exits_sync[ec]));
        print("\n");
    }
}

void key(char c) {
    switch (c) {
        case 'h':
            print("(tessera) keys: h help, d domains and vCPUs, c pCPUs; Ctrl-A x3 back to dom0\n");
            break;
        case 'd': dump_domains(); break;
        case 'c': dump_cpus(); break;
        default: print("(tessera) key '%c' does nothing (h for help)\n", c); break;
    }
}

}  // namespace

bool input_to_hypervisor() { return g_to_hypervisor; }

void receive(char c) {
    if (c == kCtrlA) {
        if (++g_ctrl_a < 3) return;
        g_ctrl_a = 0;
        g_to_hypervisor = !g_to_hypervisor;
        print("\n(tessera) *** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
              g_to_hypervisor ? "Tessera" : "DOM0");
        return;
    }
    // One or two Ctrl-A that did not make a switch belong to whoever gets input.
    for (; g_ctrl_a > 0; --g_ctrl_a) {
        if (g_to_hypervisor) continue;
        input_push(kCtrlA);
    }
    if (g_to_hypervisor) {
        key(c);
    } else {
        input_push(c);
    }
}

}  // namespace hv::console
