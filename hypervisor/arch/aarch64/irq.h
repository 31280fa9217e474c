// Physical interrupts taken at EL2.
#pragma once

#include "hv/types.h"

namespace hv {
struct Domain;
}

namespace hv::aarch64::irq {

/// Acknowledges and handles every pending physical interrupt.
void handle_pending();

/// Gives the SPI `intid` to `d` as a hardware-linked virtual interrupt of the same number.
void route_to_domain(u32 intid, Domain& d);

/// Claims SPI `intid` for the hypervisor's UART input.
void set_uart_irq(u32 intid);

}  // namespace hv::aarch64::irq
