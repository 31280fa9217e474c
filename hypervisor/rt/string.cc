// The C string and memory functions the freestanding image needs: the compiler emits calls to
// the mem* ones, and Debian's libfdt.a uses all of them.
#include "hv/types.h"

using hv::usize;

extern "C" {

// Word-at-a-time when both sides are 8-byte aligned (the hypervisor copies whole kernels and
// zeroes every page it hands out); bytes otherwise. The attribute keeps GCC from turning these
// loops back into calls to themselves.
#define HV_NO_PATTERN __attribute__((optimize("no-tree-loop-distribute-patterns")))
using word = hv::u64 __attribute__((may_alias));

HV_NO_PATTERN void* memcpy(void* dst, const void* src, usize n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (((reinterpret_cast<usize>(d) | reinterpret_cast<usize>(s)) & 7) == 0) {
        // 64 bytes a round, loaded before stored so that the compiler pairs them (LDP/STP):
        // fewer memory instructions, which is what an emulated CPU pays for.
        for (; n >= 64; n -= 64, d += 64, s += 64) {
            const word* sw = reinterpret_cast<const word*>(s);
            word* dw = reinterpret_cast<word*>(d);
            word a0 = sw[0], a1 = sw[1], a2 = sw[2], a3 = sw[3];
            word a4 = sw[4], a5 = sw[5], a6 = sw[6], a7 = sw[7];
            dw[0] = a0, dw[1] = a1, dw[2] = a2, dw[3] = a3;
            dw[4] = a4, dw[5] = a5, dw[6] = a6, dw[7] = a7;
        }
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *reinterpret_cast<word*>(d) = *reinterpret_cast<const word*>(s);
    }
    while (n-- > 0) *d++ = *s++;
    return dst;
}

HV_NO_PATTERN void* memmove(void* dst, const void* src, usize n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);  // no harmful overlap forwards
    // Backwards. libfdt shifts a tree's 4-byte-aligned blocks this way on every insertion.
    usize align = (reinterpret_cast<usize>(d) | reinterpret_cast<usize>(s)) & 7;
    usize step = align == 0 ? 8 : (align & 3) == 0 ? 4 : 1;
    for (; n % step != 0; --n) d[n - 1] = s[n - 1];
    if (step == 8) {
        for (; n >= 8; n -= 8)
            *reinterpret_cast<word*>(d + n - 8) = *reinterpret_cast<const word*>(s + n - 8);
    } else if (step == 4) {
        using word32 = hv::u32 __attribute__((may_alias));
        for (; n >= 4; n -= 4)
            *reinterpret_cast<word32*>(d + n - 4) = *reinterpret_cast<const word32*>(s + n - 4);
    }
    while (n-- > 0) d[n] = s[n];
    return dst;
}

HV_NO_PATTERN void* memset(void* dst, int c, usize n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto b = static_cast<unsigned char>(c);
    if ((reinterpret_cast<usize>(d) & 7) == 0) {
        hv::u64 w = 0x0101010101010101ull * b;
        for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<word*>(d) = w;
    }
    while (n-- > 0) *d++ = b;
    return dst;
}

int memcmp(const void* a, const void* b, usize n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (usize i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

void* memchr(const void* p, int c, usize n) {
    auto* s = static_cast<const unsigned char*>(p);
    for (usize i = 0; i < n; ++i)
        if (s[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(s + i);
    return nullptr;
}

usize strlen(const char* s) {
    usize n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

usize strnlen(const char* s, usize max) {
    usize n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) ++a, ++b;
    return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, usize n) {
    for (; n > 0; --n, ++a, ++b) {
        if (*a != *b || *a == '\0')
            return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    }
    return 0;
}

char* strchr(const char* s, int c) {
    for (;; ++s) {
        if (*s == static_cast<char>(c)) return const_cast<char*>(s);
        if (*s == '\0') return nullptr;
    }
}

char* strrchr(const char* s, int c) {
    const char* last = nullptr;
    for (;; ++s) {
        if (*s == static_cast<char>(c)) last = s;
        if (*s == '\0') return const_cast<char*>(last);
    }
}

unsigned long strtoul(const char* s, char** end, int base) {
    while (*s == ' ' || *s == '\t') ++s;
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }
    unsigned long v = 0;
    for (;; ++s) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (*s >= 'a' && *s <= 'z') d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'Z') d = *s - 'A' + 10;
        else break;
        if (d >= base) break;
        v = v * static_cast<unsigned long>(base) + static_cast<unsigned long>(d);
    }
    if (end != nullptr) *end = const_cast<char*>(s);
    return v;
}

}  // extern "C"
