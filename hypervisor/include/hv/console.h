// The hypervisor's log console. Core code prints through this; the platform supplies the sink.
#pragma once

#include "hv/types.h"

namespace hv::console {

/// Where console bytes go (a UART driver in the image, a capture buffer in host tests).
struct Sink {
    void (*write)(void* ctx, const char* data, usize len) = nullptr;
    void* ctx = nullptr;
};

/// Installs the sink used by print(); nullptr-write sinks drop output.
void set_sink(Sink sink);

/// Writes raw bytes to the console (and its history).
void write(const char* data, usize len);
/// Writes dom0's console output: to the UART only, not the history (Xen's default).
void write_guest(const char* data, usize len);

/// The console history for XEN_SYSCTL_readconsole (`xl dmesg`): copies up to `max` bytes
/// starting at ring index `index` (or, unless `incremental`, at the last clear point; an index
/// the ring has overwritten moves to the oldest byte kept). Updates `index` to where the copy
/// ended and returns the bytes copied. `clear` moves the clear point to the end.
usize history_read(char* out, usize max, u32& index, bool incremental, bool clear);

/// Messages at info level or below (domain life cycle, guest faults): always kept in the
/// history for `xl dmesg`, printed on the UART only with loglvl=info or higher (Xen's default
/// console level is warning).
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/// The UART's level (Options::loglvl: 0 none ... 3 info, 4 debug).
void set_level(u32 level);

/// printf-style print (see hv/fmt.h for the supported conversions); "\n" becomes "\r\n".
void print(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// A byte arrived on the hypervisor's UART: three Ctrl-A in a row switch input between dom0
/// and the hypervisor's own key handler (as Xen does); otherwise it goes to the current owner.
void receive(char c);
/// Whether input currently goes to the hypervisor.
bool input_to_hypervisor();

/// Queues a byte typed on the hypervisor's UART for dom0 (drops it when the queue is full).
void input_push(char c);
/// Takes up to `max` queued input bytes; returns how many.
usize input_read(char* out, usize max);
/// Called after input was queued (dom0 raises VIRQ_CONSOLE); set by core at boot.
extern void (*g_input_hook)();

}  // namespace hv::console
