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
}  // namespace

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

void print(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    usize n = vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    write(buf, n < sizeof buf ? n : sizeof buf - 1);
}

}  // namespace hv::console
