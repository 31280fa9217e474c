// The vGICv3 model and its distributor/redistributor registers.
#include "hv/mmio.h"
#include "hv/vgic.h"
#include "hv/vgic_mmio.h"
#include "world.h"

using namespace hv;

namespace {

constexpr u64 kGicd = 0x08000000, kGicr = 0x080a0000;

struct Gic {
    test::TestDomain d{4, 2};
    Gic() {
        d->mmio = mmio::Bus{};
        REQUIRE(vgic::attach(*d, IPAddr(kGicd), IPAddr(kGicr), 64));
    }
    u64 read(u64 addr, u8 size = 4) {
        mmio::Access a;
        a.size = size;
        REQUIRE(d->mmio.dispatch(d.vcpu(0), IPAddr(addr), a) == mmio::Result::kHandled);
        return a.value;
    }
    void write(u64 addr, u64 value, u8 size = 4) {
        mmio::Access a;
        a.size = size;
        a.write = true;
        a.value = value;
        REQUIRE(d->mmio.dispatch(d.vcpu(0), IPAddr(addr), a) == mmio::Result::kHandled);
    }
};

}  // namespace

TEST_CASE("distributor identification and control") {
    Gic g;
    CHECK((g.read(kGicd + 0xFFE8) & 0xf0) == 0x30);  // PIDR2: GICv3
    u64 typer = g.read(kGicd + 0x0004);
    CHECK((typer & 0x1f) == 64 / 32);                 // ITLinesNumber: 64 SPIs + 32
    CHECK(((typer >> 19) & 0x1f) == 9);               // 10 INTID bits
    g.write(kGicd, 0x13);
    CHECK(g.read(kGicd) == 0x13);                     // ARE_NS | G1A | G1
    CHECK((g.read(kGicd) & (1u << 31)) == 0);         // RWP never set
}

TEST_CASE("enabling, pending and priority of an SPI through the registers") {
    Gic g;
    constexpr u32 kSpi = 40;
    g.write(kGicd + 0x0100 + 4, 1u << (kSpi - 32));  // ISENABLER1
    vgic::Irq* irq = vgic::irq_of(g.d.vcpu(0), kSpi);
    REQUIRE(irq != nullptr);
    CHECK(irq->enabled);
    CHECK(g.read(kGicd + 0x0100 + 4) == (1u << (kSpi - 32)));
    g.write(kGicd + 0x0400 + kSpi, 0x48, 1);          // IPRIORITYR byte access
    CHECK(irq->priority == 0x48);
    g.write(kGicd + 0x0200 + 4, 1u << (kSpi - 32));  // ISPENDR1
    CHECK(irq->pending);
    g.write(kGicd + 0x0280 + 4, 1u << (kSpi - 32));  // ICPENDR1
    CHECK_FALSE(irq->pending);
    g.write(kGicd + 0x0180 + 4, 1u << (kSpi - 32));  // ICENABLER1
    CHECK_FALSE(irq->enabled);
    // Writing zeros to set/clear registers changes nothing.
    g.write(kGicd + 0x0100 + 4, 0);
    CHECK_FALSE(irq->enabled);
    // INTIDs 0-31 are the redistributors': RAZ/WI in the distributor.
    g.write(kGicd + 0x0100, ~0u);
    CHECK(g.read(kGicd + 0x0100) == 0);
}

TEST_CASE("IROUTER picks the vCPU an SPI goes to") {
    Gic g;
    constexpr u32 kSpi = 50;
    g.write(kGicd + 0x6000 + 8 * kSpi, 1, 8);  // Aff0 = 1
    CHECK(vgic::spi_target(*g.d, kSpi) == &g.d.vcpu(1));
    CHECK(g.read(kGicd + 0x6000 + 8 * kSpi, 8) == 1);
    g.write(kGicd + 0x6000 + 8 * kSpi, u64{1} << 31, 8);  // IRM: any
    CHECK(vgic::spi_target(*g.d, kSpi) == &g.d.vcpu(0));
}

TEST_CASE("redistributors: one per vCPU, the last says so, WAKER follows Linux's handshake") {
    Gic g;
    u64 t0 = g.read(kGicr + 0x0008, 8);
    u64 t1 = g.read(kGicr + vgic::kGicrStride + 0x0008, 8);
    CHECK((t0 >> 32) == 0);
    CHECK((t1 >> 32) == 1);
    CHECK((t0 & (1u << 4)) == 0);
    CHECK((t1 & (1u << 4)) != 0);  // Last
    CHECK((g.read(kGicr + 0xFFE8) & 0xf0) == 0x30);
    CHECK(g.read(kGicr + 0x0014) == 6);  // asleep at reset
    g.write(kGicr + 0x0014, 0);
    CHECK(g.read(kGicr + 0x0014) == 0);
    // SGI_base ISENABLER0 of vCPU 1 affects vCPU 1's PPIs only.
    g.write(kGicr + vgic::kGicrStride + 0x10000 + 0x0100, 1u << 27);
    CHECK(g.d.vcpu(1).irqs.priv[27].enabled);
    // Beyond the last redistributor: not handled, so the guest gets an abort.
    mmio::Access a;
    CHECK(g.d->mmio.dispatch(g.d.vcpu(0), IPAddr(kGicr + 2 * vgic::kGicrStride), a) ==
          mmio::Result::kUnhandled);
}

TEST_CASE("list-register selection: active first, then by priority; overflow is reported") {
    test::TestDomain d(5);
    Vcpu& v = d.vcpu();
    for (u32 i = 16; i < 32; ++i) v.irqs.priv[i] = vgic::Irq{};
    auto set = [&](u32 intid, u8 prio, bool pending, bool active) {
        vgic::Irq& irq = v.irqs.priv[intid];
        irq.enabled = true;
        irq.priority = prio;
        irq.pending = pending;
        irq.active = active;
    };
    set(20, 0x80, true, false);
    set(21, 0x10, true, false);
    set(22, 0xf0, false, true);
    set(23, 0x40, true, false);
    for (u32 i = 0; i < 16; ++i) v.irqs.priv[i].pending = false;
    u32 out[2];
    bool more = false;
    usize n = vgic::select_for_lrs(v, out, 2, more);
    REQUIRE(n == 2);
    CHECK(more);
    CHECK(((out[0] == 22 && out[1] == 21) || (out[0] == 21 && out[1] == 22)));
    v.irqs.priv[21].enabled = false;  // pending but disabled: not presented
    n = vgic::select_for_lrs(v, out, 2, more);
    CHECK(((out[0] == 22 && out[1] == 23) || (out[0] == 23 && out[1] == 22)));
    CHECK(more);  // 20 still waits
}

TEST_CASE("selection looks only at hinted interrupts; inject and a guest's ISACTIVER set the hint") {
    test::TestDomain d(7);
    Vcpu& v = d.vcpu();
    for (u32 i = 0; i < 32; ++i) v.irqs.priv[i] = vgic::Irq{};
    u32 out[4];
    bool more = false;
    CHECK(vgic::select_for_lrs(v, out, 4, more) == 0);
    CHECK(v.irqs.hint == 0);  // everything was found idle
    v.irqs.priv[27].enabled = true;
    v.irqs.priv[27].pending = true;  // behind the model's back: not seen
    CHECK(vgic::select_for_lrs(v, out, 4, more) == 0);
    v.irqs.priv[27].pending = false;
    REQUIRE(vgic::inject(v, 27));
    REQUIRE(vgic::select_for_lrs(v, out, 4, more) == 1);
    CHECK(out[0] == 27);
    vgic::mark(v, 30);
    v.irqs.priv[30].active = true;
    CHECK(vgic::select_for_lrs(v, out, 4, more) == 2);
    CHECK(v.irqs.hint == ((1u << 27) | (1u << 30)));
}

TEST_CASE("an interrupt made pending while another pCPU holds it in a list register is kept") {
    test::TestDomain d(6);
    Vcpu& v = d.vcpu();
    vgic::Irq& irq = v.irqs.priv[31];
    irq.in_lr = true;  // presented; the guest may have acknowledged it already
    irq.pending = false;
    REQUIRE(vgic::inject(v, 31));
    CHECK(irq.pending);
    CHECK(irq.repend);  // the list-register read-back must merge this, not overwrite it
}
