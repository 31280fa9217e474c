// Exceptions taken from EL2 itself are hypervisor bugs: print a register dump and power off.
#include <cstddef>

#include "hv/arch/cpu.h"
#include "hv/console.h"

namespace hv::aarch64 {

/// Register state saved by vectors.S; the offsets are the assembly's contract.
struct ExceptionFrame {
    u64 x[31];
    u64 elr;
    u64 spsr;
    u64 esr;
    u64 far;
    u64 sp;
};
static_assert(offsetof(ExceptionFrame, elr) == 248);
static_assert(offsetof(ExceptionFrame, spsr) == 256);
static_assert(offsetof(ExceptionFrame, far) == 272);
static_assert(sizeof(ExceptionFrame) == 36 * 8);

namespace {
const char* const kVectorNames[16] = {
    "sync (EL2t)",  "irq (EL2t)",  "fiq (EL2t)",  "serror (EL2t)",
    "sync (EL2h)",  "irq (EL2h)",  "fiq (EL2h)",  "serror (EL2h)",
    "sync (lower64)", "irq (lower64)", "fiq (lower64)", "serror (lower64)",
    "sync (lower32)", "irq (lower32)", "fiq (lower32)", "serror (lower32)",
};
}  // namespace

}  // namespace hv::aarch64

extern "C" [[noreturn]] void aarch64_el2_fault(const hv::aarch64::ExceptionFrame* f,
                                               hv::u64 kind) {
    using hv::console::print;
    using ull = unsigned long long;
    print("\n(tessera) PANIC: unexpected exception at EL2: %s\n",
          hv::aarch64::kVectorNames[kind & 15]);
    print("(tessera)   ESR %016llx (EC 0x%02llx)  ELR %016llx  FAR %016llx\n", ull{f->esr},
          ull{(f->esr >> 26) & 0x3f}, ull{f->elr}, ull{f->far});
    print("(tessera)   SPSR %016llx  SP %016llx\n", ull{f->spsr}, ull{f->sp});
    for (int i = 0; i < 31; i += 2) {
        if (i == 30) {
            print("(tessera)   x30 %016llx\n", ull{f->x[30]});
        } else {
            print("(tessera)   x%-2d %016llx  x%-2d %016llx\n", i, ull{f->x[i]}, i + 1,
                  ull{f->x[i + 1]});
        }
    }
    print("(tessera) powering off\n");
    hv::arch::power_off();
}
