// The hypervisor's log console: formatting on top of a platform-supplied sink.
#include "hv/console.h"

#include "hv/fmt.h"

namespace hv::console {
namespace {
constinit Sink g_sink{};
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
