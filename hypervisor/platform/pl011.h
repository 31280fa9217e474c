// Arm PrimeCell UART PL011 (Arm DDI 0183): the hypervisor's console.
#pragma once

#include "hv/types.h"

namespace hv::platform {

/// QEMU virt's PL011 (hw/arm/virt.c memmap VIRT_UART), used until the DT names the real one.
inline constexpr u64 kEarlyUartBase = 0x09000000;

/// Makes the PL011 at `base` (identity-mapped) the console sink.
void pl011_console_init(u64 base);

/// Reads one received byte; false when the receive FIFO is empty.
bool pl011_getc(char& c);
/// Enables the receive (and receive-timeout) interrupt.
void pl011_enable_rx_irq();

}  // namespace hv::platform
