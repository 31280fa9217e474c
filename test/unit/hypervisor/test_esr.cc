// ESR_EL2 decoding with syndromes as the hardware reports them (Arm ARM D19.2.37).
#include <catch2/catch.hpp>

#include "arch/aarch64/esr.h"

using namespace hv::aarch64;

TEST_CASE("HVC #0xEA1, the Xen hypercall") {
    Esr e(0x5a000ea1);  // EC 0x16, IL, imm16 0xEA1
    CHECK(e.ec() == static_cast<hv::u8>(Ec::kHvc64));
    CHECK(e.il32());
    CHECK(e.imm16() == 0xea1);
    CHECK(Esr(0x5a000000).imm16() == 0);  // HVC #0: SMCCC
}

TEST_CASE("a trapped SMC and WFI/WFE") {
    CHECK(Esr(0x5e000000).ec() == static_cast<hv::u8>(Ec::kSmc64));
    Esr wfi(0x06000000), wfe(0x06000001);
    CHECK(wfi.ec() == static_cast<hv::u8>(Ec::kWfx));
    CHECK_FALSE(wfi.is_wfe());
    CHECK(wfe.is_wfe());
}

TEST_CASE("a data abort with a valid syndrome: STR w1 to an emulated register") {
    Esr e(0x93810047);  // EC 0x24, IL, ISV, SAS=2, SRT=1, WnR, DFSC 0x07
    CHECK(e.ec() == static_cast<hv::u8>(Ec::kDataAbortLower));
    CHECK(e.isv());
    CHECK(e.access_size() == 4);
    CHECK(e.srt() == 1);
    CHECK(e.is_write());
    CHECK_FALSE(e.sign_extend());
    CHECK_FALSE(e.sixty_four());
    CHECK(e.fsc() == 0x07);
    // LDRSB x3: SAS=0, SSE, SRT=3, SF, read.
    Esr ld(0x93238007);
    CHECK(ld.access_size() == 1);
    CHECK(ld.sign_extend());
    CHECK(ld.srt() == 3);
    CHECK(ld.sixty_four());
    CHECK_FALSE(ld.is_write());
    // No valid syndrome (e.g. a load pair): ISV clear.
    CHECK_FALSE(Esr(0x92000047).isv());
}

TEST_CASE("MSR ICC_SGI1R_EL1, x2 is recognised whatever the register") {
    Esr e(0x623a3056);  // EC 0x18, op0 3, op2 5, op1 0, CRn 12, Rt 2, CRm 11, write
    CHECK(e.ec() == static_cast<hv::u8>(Ec::kSysReg));
    CHECK(e.sys_key() == kIccSgi1r);
    CHECK(e.sys_rt() == 2);
    CHECK_FALSE(e.sys_read());
    CHECK(Esr(0x623a30b6).sys_key() == kIccSgi1r);   // Rt = 5
    CHECK(Esr(0x623a3057).sys_read());               // MRS
    CHECK(Esr(0x623a3058).sys_key() != kIccSgi1r);   // CRm 12
}
