// printf-style formatting for the hypervisor (see hv/fmt.h).
#include "hv/fmt.h"

namespace hv {
namespace {

class Out {
public:
    Out(char* buf, usize size) : buf_(buf), size_(size) {}
    void put(char c) {
        if (len_ + 1 < size_) buf_[len_] = c;
        ++len_;
    }
    void pad(usize n, char c) {
        for (usize i = 0; i < n; ++i) put(c);
    }
    usize finish() {
        if (size_ > 0) buf_[len_ < size_ ? len_ : size_ - 1] = '\0';
        return len_;
    }

private:
    char* buf_;
    usize size_;
    usize len_ = 0;
};

struct Spec {
    bool left = false;
    bool zero = false;
    usize width = 0;
    long precision = -1;  // %.Ns / %.*s: at most N bytes of the string
    int longs = 0;
    bool size_t_len = false;
};

void emit_text(Out& out, const Spec& spec, const char* s, usize n) {
    usize padn = spec.width > n ? spec.width - n : 0;
    if (!spec.left) out.pad(padn, spec.zero ? '0' : ' ');
    for (usize i = 0; i < n; ++i) out.put(s[i]);
    if (spec.left) out.pad(padn, ' ');
}

void emit_number(Out& out, const Spec& spec, u64 value, bool negative, unsigned base, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    usize n = 0;
    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value != 0);
    usize len = n + (negative ? 1 : 0);
    usize padn = spec.width > len ? spec.width - len : 0;
    if (!spec.left && !spec.zero) out.pad(padn, ' ');
    if (negative) out.put('-');
    if (!spec.left && spec.zero) out.pad(padn, '0');
    while (n > 0) out.put(tmp[--n]);
    if (spec.left) out.pad(padn, ' ');
}

u64 fetch_unsigned(const Spec& spec, va_list& ap) {
    if (spec.size_t_len) return va_arg(ap, usize);
    if (spec.longs >= 2) return va_arg(ap, unsigned long long);
    if (spec.longs == 1) return va_arg(ap, unsigned long);
    return va_arg(ap, unsigned int);
}

i64 fetch_signed(const Spec& spec, va_list& ap) {
    if (spec.size_t_len) return static_cast<i64>(va_arg(ap, usize));
    if (spec.longs >= 2) return va_arg(ap, long long);
    if (spec.longs == 1) return va_arg(ap, long);
    return va_arg(ap, int);
}

}  // namespace

usize vformat(char* buf, usize size, const char* fmt, va_list ap_in) {
    Out out(buf, size);
    va_list ap;
    va_copy(ap, ap_in);
    for (const char* p = fmt; *p != '\0'; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        Spec spec;
        ++p;
        for (;; ++p) {
            if (*p == '-') spec.left = true;
            else if (*p == '0') spec.zero = true;
            else break;
        }
        while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + static_cast<usize>(*p++ - '0');
        if (*p == '.') {
            ++p;
            if (*p == '*') {
                int n = va_arg(ap, int);
                spec.precision = n < 0 ? 0 : n;
                ++p;
            } else {
                spec.precision = 0;
                while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + (*p++ - '0');
            }
        }
        for (;; ++p) {
            if (*p == 'l') ++spec.longs;
            else if (*p == 'z') spec.size_t_len = true;
            else break;
        }
        switch (*p) {
            case '%': out.put('%'); break;
            case 'c': {
                char c = static_cast<char>(va_arg(ap, int));
                emit_text(out, spec, &c, 1);
                break;
            }
            case 's': {
                const char* s = va_arg(ap, const char*);
                if (s == nullptr) s = "(null)";
                usize n = 0;
                while ((spec.precision < 0 || n < static_cast<usize>(spec.precision)) && s[n] != '\0')
                    ++n;
                emit_text(out, spec, s, n);
                break;
            }
            case 'd':
            case 'i': {
                i64 v = fetch_signed(spec, ap);
                u64 mag = v < 0 ? u64{0} - static_cast<u64>(v) : static_cast<u64>(v);
                emit_number(out, spec, mag, v < 0, 10, false);
                break;
            }
            case 'u': emit_number(out, spec, fetch_unsigned(spec, ap), false, 10, false); break;
            case 'x': emit_number(out, spec, fetch_unsigned(spec, ap), false, 16, false); break;
            case 'X': emit_number(out, spec, fetch_unsigned(spec, ap), false, 16, true); break;
            case 'p': {
                out.put('0');
                out.put('x');
                Spec ps = spec;
                ps.zero = true;
                ps.width = 16;
                emit_number(out, ps, reinterpret_cast<std::uintptr_t>(va_arg(ap, void*)), false, 16,
                            false);
                break;
            }
            case '\0': --p; break;  // a lone '%' at the end prints nothing
            default: out.put('%'); out.put(*p); break;
        }
    }
    va_end(ap);
    return out.finish();
}

usize format(char* buf, usize size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    usize n = vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

}  // namespace hv
