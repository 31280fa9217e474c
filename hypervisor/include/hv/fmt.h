// Minimal printf-style formatting into a fixed buffer (no allocation, no FP), checked by the
// compiler through the format attribute.
#pragma once

#include <cstdarg>

#include "hv/types.h"

namespace hv {

/// Formats into `buf` (always NUL-terminated when size > 0); returns the length it would have had.
/// Supports %% %c %s %d %i %u %x %X %p with flags '0' '-', width, precision for strings
/// (%.3s, %.*s), and length l/ll/z.
usize vformat(char* buf, usize size, const char* fmt, va_list ap);
usize format(char* buf, usize size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace hv
