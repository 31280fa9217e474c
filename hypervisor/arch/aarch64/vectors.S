// EL2 exception vectors (Arm ARM D1.10.2: VBAR_ELx layout, 16 entries of 0x80 bytes).
// For now every exception taken to EL2 is a hypervisor bug: save the registers as an
// ExceptionFrame (see fault.cc for the matching struct) and report.

    .macro ventry kind
    .balign 0x80
    sub     sp, sp, #(36 * 8)
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_and_report
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global hv_el2_vectors
hv_el2_vectors:
    ventry 0
    ventry 1
    ventry 2
    ventry 3
    ventry 4
    ventry 5
    ventry 6
    ventry 7
    ventry 8
    ventry 9
    ventry 10
    ventry 11
    ventry 12
    ventry 13
    ventry 14
    ventry 15

save_and_report:
    // x0 holds the vector kind now; the original x0/x1 are at [sp].
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, elr_el2
    stp     x30, x1, [sp, #240]
    mrs     x1, spsr_el2
    mrs     x2, esr_el2
    stp     x1, x2, [sp, #256]
    mrs     x1, far_el2
    add     x2, sp, #(36 * 8)
    stp     x1, x2, [sp, #272]
    mov     x1, x0
    mov     x0, sp
    bl      aarch64_el2_fault
1:  wfe
    b       1b
