// Per-pCPU state storage.
#include "hv/percpu.h"
#include "hv/spinlock.h"

namespace hv {
namespace {
constinit PerCpu g_cpus[PerCpu::kMaxCpus];
constinit u32 g_nr_cpus = 1;
}  // namespace

constinit SpinLock g_big_lock;

PerCpu& cpu(u32 id) { return g_cpus[id < PerCpu::kMaxCpus ? id : 0]; }
u32 nr_cpus() { return g_nr_cpus; }
void set_nr_cpus(u32 n) { g_nr_cpus = n; }

}  // namespace hv
