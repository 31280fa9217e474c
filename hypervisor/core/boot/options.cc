// Parsing the hypervisor command line.
#include "hv/options.h"

#include "hv/console.h"

namespace hv {
namespace {

bool equal(const char* a, usize alen, const char* b) {
    usize i = 0;
    for (; i < alen; ++i)
        if (b[i] == '\0' || a[i] != b[i]) return false;
    return b[i] == '\0';
}

/// "512M", "1G", "65536K" or plain bytes; Xen's parse_size_and_unit.
bool parse_size(const char* s, usize len, u64& out) {
    if (len == 0) return false;
    u64 v = 0;
    usize i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (v > (~u64{0} - 9) / 10) return false;
        v = v * 10 + static_cast<u64>(s[i] - '0');
    }
    if (i == 0) return false;
    u64 shift = 0;
    if (i < len) {
        switch (s[i]) {
            case 'K': case 'k': shift = 10; break;
            case 'M': case 'm': shift = 20; break;
            case 'G': case 'g': shift = 30; break;
            case 'T': case 't': shift = 40; break;
            case 'B': case 'b': shift = 0; break;
            default: return false;
        }
        if (++i != len) return false;
    }
    if (shift != 0 && v > (~u64{0} >> shift)) return false;
    out = v << shift;
    return true;
}

bool parse_uint(const char* s, usize len, u32& out) {
    u64 v = 0;
    if (len == 0 || len > 9) return false;
    for (usize i = 0; i < len; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<u64>(s[i] - '0');
    }
    out = static_cast<u32>(v);
    return true;
}

bool bad(const char* key, usize klen, const char* val, usize vlen, const char* expected) {
    console::print("(tessera) error: option %.*s=%.*s: expected %s\n", static_cast<int>(klen), key,
                   static_cast<int>(vlen), val, expected);
    return false;
}

}  // namespace

bool parse_options(const char* cmdline, Options& out) {
    bool ok = true;
    const char* p = cmdline;
    while (*p != '\0') {
        while (*p == ' ') ++p;
        if (*p == '\0') break;
        const char* tok = p;
        while (*p != '\0' && *p != ' ') ++p;
        usize len = static_cast<usize>(p - tok);
        usize klen = 0;
        while (klen < len && tok[klen] != '=') ++klen;
        const char* val = klen < len ? tok + klen + 1 : tok + len;
        usize vlen = klen < len ? len - klen - 1 : 0;
        if (equal(tok, klen, "dom0_mem")) {
            if (!parse_size(val, vlen, out.dom0_mem) || out.dom0_mem == 0)
                ok = bad(tok, klen, val, vlen, "a size such as 512M or 1G");
        } else if (equal(tok, klen, "dom0_max_vcpus")) {
            if (!parse_uint(val, vlen, out.dom0_max_vcpus) || out.dom0_max_vcpus == 0)
                ok = bad(tok, klen, val, vlen, "a number of vCPUs, at least 1");
        } else if (equal(tok, klen, "vwfi")) {
            if (equal(val, vlen, "trap")) out.vwfi_trap = true;
            else if (equal(val, vlen, "native")) out.vwfi_trap = false;
            else ok = bad(tok, klen, val, vlen, "trap or native");
        } else if (equal(tok, klen, "sched")) {
            if (equal(val, vlen, "null")) out.sched_null = true;
            else if (equal(val, vlen, "credit") || equal(val, vlen, "credit2") ||
                     equal(val, vlen, "rr"))
                out.sched_null = false;
            else ok = bad(tok, klen, val, vlen, "null, rr, credit or credit2");
        } else if (equal(tok, klen, "console")) {
            out.console_quiet = equal(val, vlen, "none");
        } else if (equal(tok, klen, "loglvl") || equal(tok, klen, "guest_loglvl")) {
            // Xen's form is LEVEL[/RATE-LIMITED-LEVEL]; the second part is not used here.
            usize lvl_len = 0;
            while (lvl_len < vlen && val[lvl_len] != '/') ++lvl_len;
            const char* const names[] = {"none", "error", "warning", "info", "debug", "all"};
            bool found = false;
            for (u32 i = 0; i < 6 && !found; ++i) {
                if (equal(val, lvl_len, names[i])) {
                    out.loglvl = i < 5 ? i : 4;
                    found = true;
                }
            }
            if (!found) ok = bad(tok, klen, val, vlen, "none, error, warning, info, debug or all");
        } else if (equal(tok, klen, "dtuart") || equal(tok, klen, "sync_console") ||
                   equal(tok, klen, "dom0_vcpus_pin")) {
            // Xen options that have no meaning here, accepted so Xen command lines work.
        } else {
            console::print("(tessera) warning: unknown option '%.*s' ignored\n",
                           static_cast<int>(len), tok);
        }
    }
    return ok;
}

}  // namespace hv
