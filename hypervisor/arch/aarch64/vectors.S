// EL2 exception vectors (Arm ARM D1.10.2: VBAR_ELx layout, 16 entries of 0x80 bytes).
// Exceptions from a guest (lower EL, AArch64) save the guest's registers into its vCPU's
// GuestRegs (SP_EL2 points there while it runs), switch to this pCPU's stack and call
// aarch64_guest_exit (trap.cc), which returns the GuestRegs of the vCPU to resume. Anything else taken to EL2 is a hypervisor bug: save an ExceptionFrame (fault.cc)
// and report.

    // Both frames (ExceptionFrame and GuestRegs) start with x0-x30 at offset 0.
    .macro save_x2_to_x29
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
    .endm

    .macro ventry kind
    .balign 0x80
    sub     sp, sp, #(36 * 8)
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       save_and_report
    .endm

    // GuestRegs: x0-x30, pc (ELR_EL2), pstate (SPSR_EL2), padding: 272 bytes. While a guest
    // runs, SP_EL2 points just past its vCPU's GuestRegs, so an exit saves the registers
    // straight into the vCPU (no copies); guest_save then moves to the pCPU's stack.
    .equ GUEST_FRAME, 272
    .macro gentry kind
    .balign 0x80
    sub     sp, sp, #GUEST_FRAME
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       guest_save
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
    gentry 0
    gentry 1
    gentry 2
    gentry 3
    ventry 12
    ventry 13
    ventry 14
    ventry 15

save_and_report:
    // x0 holds the vector kind now; the original x0/x1 are at [sp].
    save_x2_to_x29
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

guest_save:
    save_x2_to_x29
    mrs     x1, elr_el2
    stp     x30, x1, [sp, #240]
    mrs     x1, spsr_el2
    str     x1, [sp, #256]
    mov     x1, x0
    mov     x0, sp                  // the running vCPU's GuestRegs, now saved
    mrs     x2, tpidr_el2
    ldr     x2, [x2]                // PerCpu::stack_top
    mov     sp, x2
    bl      aarch64_guest_exit      // returns the GuestRegs of the vCPU to run
    mov     sp, x0

    .global aarch64_guest_resume
aarch64_guest_resume:
    ldr     x0, [sp, #256]
    msr     spsr_el2, x0
    ldp     x30, x0, [sp, #240]
    msr     elr_el2, x0
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #GUEST_FRAME
    eret
    dsb     nsh
    isb

// void aarch64_enter_guest(GuestRegs* frame): the frame sits at the top of this pCPU's stack;
// the C++ stack below it is abandoned.
    .global aarch64_enter_guest
aarch64_enter_guest:
    mov     sp, x0
    b       aarch64_guest_resume
