// The hypervisor's log console: formatting on top of a platform-supplied sink.
#include "hv/console.h"

#include "hv/fmt.h"

namespace hv::console {
namespace {
constinit Sink g_sink{};
constexpr usize kInputSize = 1024;
constinit char g_input[kInputSize] = {};
constinit usize g_in_head = 0;  // next byte to read
constinit usize g_in_tail = 0;  // next free slot

constexpr u32 kHistorySize = 16384;     // a power of two: indices wrap naturally
constinit char g_history[kHistorySize] = {};
constinit u32 g_hist_prod = 0;          // bytes ever written
constinit u32 g_hist_clear = 0;         // index of the last clear

void remember(const char* data, usize len) {
    for (usize i = 0; i < len; ++i) g_history[g_hist_prod++ % kHistorySize] = data[i];
}
}  // namespace

usize history_read(char* out, usize max, u32& index, bool incremental, bool clear) {
    u32 idx = incremental ? index : g_hist_clear;
    if (g_hist_prod - idx > kHistorySize) idx = g_hist_prod - kHistorySize;
    usize n = 0;
    while (n < max && idx != g_hist_prod) out[n++] = g_history[idx++ % kHistorySize];
    index = idx;
    if (clear) g_hist_clear = g_hist_prod;
    return n;
}

void (*g_input_hook)() = nullptr;

void input_push(char c) {
    usize next = (g_in_tail + 1) % kInputSize;
    if (next == g_in_head) return;
    g_input[g_in_tail] = c;
    g_in_tail = next;
}

usize input_read(char* out, usize max) {
    usize n = 0;
    while (n < max && g_in_head != g_in_tail) {
        out[n++] = g_input[g_in_head];
        g_in_head = (g_in_head + 1) % kInputSize;
    }
    return n;
}

void set_sink(Sink sink) { g_sink = sink; }

void write(const char* data, usize len) {
    remember(data, len);
    write_guest(data, len);
}

void write_guest(const char* data, usize len) {
    if (g_sink.write == nullptr) return;
    usize start = 0;
    for (usize i = 0; i < len; ++i) {
        if (data[i] == '\n') {
            g_sink.write(g_sink.ctx, data + start, i - start);
            g_sink.write(g_sink.ctx, "\r\n", 2);
            start = i + 1;
        }
    }
    g_sink.write(g_sink.ctx, data + start, len - start);
}

namespace {
constinit u32 g_level = 2;
}

void set_level(u32 level) { g_level = level; }

void info(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    usize n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    n = n < sizeof buf ? n : sizeof buf - 1;
    if (g_level >= 3) {
        write(buf, n);
    } else {
        remember(buf, n);
    }
}

void print(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    usize n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    write(buf, n < sizeof buf ? n : sizeof buf - 1);
}

}  // namespace hv::console
