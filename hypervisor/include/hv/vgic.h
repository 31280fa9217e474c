// The virtual GICv3 model (GICv3 architecture spec, Arm IHI 0069): per-interrupt state for SGIs
// and PPIs (per vCPU) and SPIs (per domain), and the choice of what to present to a vCPU.
// Register emulation (vgic_mmio) and list registers (arch) sit on top of this state.
#pragma once

#include "hv/types.h"

namespace hv {
struct Vcpu;
struct Domain;
}

namespace hv::vgic {

inline constexpr u32 kNrPrivate = 32;   ///< SGIs 0-15 and PPIs 16-31 (GICv3 §2.2)
inline constexpr u32 kMaxSpis = 960;    ///< INTIDs 32-1019
inline constexpr u32 kSpuriousIntid = 1023;

/// The state of one virtual interrupt.
struct Irq {
    bool enabled = false;
    bool pending = false;
    bool active = false;
    bool level = false;      ///< level-sensitive (ICFGR 0) or edge (2)
    bool line = false;       ///< for level interrupts: the input is asserted
    bool group1 = true;
    u8 priority = 0xa0;
    u32 hw_intid = 0;        ///< non-zero: backed by this physical interrupt (deactivated by the guest)
    u64 route = 0;           ///< SPIs: IROUTER affinity value
    bool in_lr = false;      ///< currently held in a list register
    bool repend = false;     ///< made pending again (by another pCPU) while in a list register
};

/// Per-vCPU interrupt state.
struct VcpuIrqs {
    Irq priv[kNrPrivate];
    bool sleep = true;  ///< GICR_WAKER.ProcessorSleep
    /// Bit n: private interrupt n may be pending-and-enabled or active. Set by inject() and
    /// mark(); cleared when a scan finds the interrupt idle. Every exit scans only these.
    u32 hint = ~0u;
};

/// Per-domain distributor state.
struct DistState {
    bool enabled_grp1 = false;
    bool enabled_grp0 = false;
    u32 nr_spis = 0;          ///< SPIs modelled (multiple of 32)
    Irq spis[kMaxSpis];
    u64 spi_hint[kMaxSpis / 64 + 1] = {};  ///< as VcpuIrqs::hint, for the SPIs (bit = SPI index)
};

/// The Irq for INTID `intid` as seen by `v` (nullptr if out of range).
Irq* irq_of(Vcpu& v, u32 intid);

/// The vCPU an SPI is routed to (IROUTER with Aff0 = vCPU id; IRM routes to vCPU 0).
Vcpu* spi_target(Domain& d, u32 intid);

/// Makes `intid` pending for `v` (edge semantics) and wakes `v`. Returns false if out of range.
bool inject(Vcpu& v, u32 intid);

/// Records that `intid` may have become presentable (made active or enabled from outside
/// inject()), so that the next list-register selection looks at it.
void mark(Vcpu& v, u32 intid);

/// Sets or clears a level-sensitive input.
void set_level(Vcpu& v, u32 intid, bool asserted);

/// Whether `v` has an enabled pending interrupt it could take (for WFI wake-up decisions).
bool has_deliverable(Vcpu& v);

/// Picks up to `max` interrupts to present to `v`, highest priority first: pending-or-active and
/// (for pending ones) enabled. Writes INTIDs into `out`; returns how many. `more` is set when
/// deliverable interrupts had to be left out.
usize select_for_lrs(Vcpu& v, u32* out, usize max, bool& more);

}  // namespace hv::vgic
