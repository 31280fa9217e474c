// The probe guest's entry: an arm64 Image header (Documentation/arm64/booting.rst), then a
// stack, a zeroed .bss, FP/SIMD access, an identity-mapped MMU, and probe_main(dtb).
    .section .text.head, "ax"
    .global _start
_start:
    b       entry                   // code0
    .long   0                       // code1
    .quad   0                       // text_offset: at the 2 MiB-aligned base
    .quad   _image_size             // image_size, .bss included
    .quad   0x2                     // flags: little endian, 4 KiB pages, near the base of RAM
    .quad   0, 0, 0                 // reserved
    .ascii  "ARM\x64"               // magic
    .long   0                       // PE header offset: none

entry:
    mov     x19, x0                 // the DTB, by the boot protocol
    adrp    x1, stack_top
    add     x1, x1, :lo12:stack_top
    mov     sp, x1
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  mov     x1, #(3 << 20)          // CPACR_EL1.FPEN: no FP/SIMD traps
    msr     cpacr_el1, x1
    isb
    bl      mmu_tables              // returns the level-1 table's address
    msr     ttbr0_el1, x0
    ldr     x1, =0xff00             // MAIR: attr0 Device-nGnRnE, attr1 Normal write-back
    msr     mair_el1, x1
    // TCR_EL1: T0SZ 25 (39-bit VA), table walks non-cacheable (the tables were written with the
    // MMU off), inner shareable, 4 KiB granule,
    // 40-bit IPS, no TTBR1 walks (EPD1).
    ldr     x1, =((25) | (3 << 12) | (1 << 23) | (2 << 32))
    msr     tcr_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, #(1 << 0)       // M
    orr     x1, x1, #(1 << 2)       // C
    orr     x1, x1, #(1 << 12)      // I
    bic     x1, x1, #(1 << 1)       // A: no alignment checks
    msr     sctlr_el1, x1
    isb
    adrp    x1, vectors
    add     x1, x1, :lo12:vectors
    msr     vbar_el1, x1
    isb
    mov     x0, x19
    bl      probe_main
3:  wfi
    b       3b

// EL1 vectors: IRQs from EL1 with SP_EL1 go to irq_entry, which reads the virtual counter as
// its first instruction (the timer-latency bench ends there); anything else is a bug: park.
    .balign 2048
vectors:
    .rept   5
    .balign 128
    b       .
    .endr
    .balign 128                     // +0x280: IRQ, current EL with SP_ELx
    b       irq_entry
    .rept   10
    .balign 128
    b       .
    .endr

irq_entry:
    mrs     x16, cntvct_el0
    stp     x29, x30, [sp, #-16]!
    stp     x0, x1, [sp, #-16]!
    stp     x2, x3, [sp, #-16]!
    stp     x4, x5, [sp, #-16]!
    stp     x6, x7, [sp, #-16]!
    stp     x8, x9, [sp, #-16]!
    stp     x10, x11, [sp, #-16]!
    stp     x12, x13, [sp, #-16]!
    stp     x14, x15, [sp, #-16]!
    stp     x16, x17, [sp, #-16]!
    stp     x18, xzr, [sp, #-16]!
    mov     x0, x16
    bl      probe_irq
    ldp     x18, xzr, [sp], #16
    ldp     x16, x17, [sp], #16
    ldp     x14, x15, [sp], #16
    ldp     x12, x13, [sp], #16
    ldp     x10, x11, [sp], #16
    ldp     x8, x9, [sp], #16
    ldp     x6, x7, [sp], #16
    ldp     x4, x5, [sp], #16
    ldp     x2, x3, [sp], #16
    ldp     x0, x1, [sp], #16
    ldp     x29, x30, [sp], #16
    eret

    .bss
    .balign 16
    .space  16384
stack_top:
