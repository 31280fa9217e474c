// PL011 console output (Arm DDI 0183G §3.3: UARTDR at 0x000, UARTFR at 0x018, TXFF bit 5).
#include "platform/pl011.h"

#include "hv/console.h"

namespace hv::platform {
namespace {

constexpr u64 kDr = 0x000;
constexpr u64 kFr = 0x018;
constexpr u32 kFrTxff = 1u << 5;
constexpr u32 kFrRxfe = 1u << 4;
constexpr u64 kImsc = 0x038;  // UARTIMSC: RXIM bit 4, RTIM bit 6
constexpr u64 kIcr = 0x044;

constinit u64 g_base = 0;

void putc(u64 base, char c) {
    auto* fr = reinterpret_cast<volatile u32*>(base + kFr);
    while ((*fr & kFrTxff) != 0) {
    }
    *reinterpret_cast<volatile u32*>(base + kDr) = static_cast<u8>(c);
}

void sink_write(void*, const char* data, usize len) {
    for (usize i = 0; i < len; ++i) putc(g_base, data[i]);
}

}  // namespace

bool pl011_getc(char& c) {
    if ((*reinterpret_cast<volatile u32*>(g_base + kFr) & kFrRxfe) != 0) return false;
    c = static_cast<char>(*reinterpret_cast<volatile u32*>(g_base + kDr) & 0xff);
    return true;
}

void pl011_enable_rx_irq() {
    *reinterpret_cast<volatile u32*>(g_base + kIcr) = 0x7ff;
    *reinterpret_cast<volatile u32*>(g_base + kImsc) = (1u << 4) | (1u << 6);
}

void pl011_console_init(u64 base) {
    g_base = base;
    console::set_sink({sink_write, nullptr});
}

}  // namespace hv::platform
