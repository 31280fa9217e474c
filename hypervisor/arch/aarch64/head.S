// Entry point at EL2, with the arm64 Linux Image header so that QEMU's -kernel, U-Boot's booti
// and other arm64 boot loaders load and enter us like a kernel (Linux
// Documentation/arm64/booting.rst): x0 = physical address of the DTB, MMU and caches off.

    .section .text.head, "ax"
    .global _start
_start:
    b       entry                   // code0
    .long   0                       // code1
    .quad   0                       // text_offset: loaded 2 MiB past a 2 MiB-aligned base
    .quad   _image_size             // image_size, .bss included
    .quad   0x2                     // flags: little-endian, 4 KiB pages, base near DRAM start
    .quad   0, 0, 0                 // reserved
    .ascii  "ARM\x64"               // magic
    .long   0                       // reserved (PE header offset)

entry:
    msr     daifset, #0xf
    mov     x19, x0                 // the DTB, kept across the set-up below

    // We are linked at one address and do not relocate: refuse to run anywhere else, saying so
    // on QEMU virt's PL011 with position-independent code.
    adr     x1, _start
    ldr     x2, =_start
    cmp     x1, x2
    b.ne    wrong_address

    ldr     x1, =boot_stack_top
    mov     sp, x1

    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b

2:  mov     x0, x19
    bl      aarch64_boot_main
3:  wfe
    b       3b

// Secondary pCPUs start here from PSCI CPU_ON (MMU off, at EL2) with x0 = their index.
    .global secondary_entry
secondary_entry:
    msr     daifset, #0xf
    mov     x19, x0
    ldr     x1, =secondary_stacks
    add     x2, x0, #1
    mov     x3, #SECONDARY_STACK_SIZE
    madd    x1, x2, x3, x1          // top of this CPU's stack
    mov     sp, x1
    mov     x0, x19
    bl      aarch64_secondary_main
5:  wfe
    b       5b

wrong_address:
    adr     x1, wrong_msg
    mov     x2, #0x09000000         // QEMU virt PL011 data register
4:  ldrb    w3, [x1], #1
    cbz     w3, 3b
    str     w3, [x2]
    b       4b

wrong_msg:
    .asciz  "\r\n(tessera) error: loaded at the wrong address (linked for 0x40200000); halting\r\n"
    .ltorg

    .equ SECONDARY_STACK_SIZE, 16384

    .section .bss.stack, "aw", %nobits
    .balign 16
boot_stack:
    .space  16384
    .global boot_stack_top
boot_stack_top:

    .balign 16
    .global secondary_stacks
secondary_stacks:
    .space  SECONDARY_STACK_SIZE * 8
