// SPDX-License-Identifier: MIT
#include "json_text.h"

#include <math.h>
#include <mbedtls/base64.h>
#include <string.h>

#include "core/utf8.h"
#include "json/json.h"

namespace consensus {
namespace cli {
namespace {

void write_escaped_byte(FILE* f, uint8_t c, JsonEscapes escapes) {
    char esc[7];
    if (json_escape_ascii(c, escapes == JsonEscapes::terminal, esc) != 0) {
        fputs(esc, f);
    } else {
        fputc(c, f);
    }
}

// mbedTLS encodes, a chunk at a time into a stack buffer (with room for the
// NUL it writes): 3 x 256 input bytes are 1024 characters, no padding inside.
template <typename Sink>
void base64_chunks(const uint8_t* data, size_t size, Sink sink) {
    constexpr size_t kIn = 768;
    unsigned char text[kIn / 3 * 4 + 1];
    for (size_t i = 0; i < size; i += kIn) {
        const size_t n = size - i < kIn ? size - i : kIn;
        size_t len = 0;
        (void)mbedtls_base64_encode(text, sizeof text, &len, data + i, n);  // sized: cannot fail
        sink(reinterpret_cast<const char*>(text), len);
    }
}

}  // namespace

size_t format_u64(uint64_t v, char out[kDecimalCap]) {
    char rev[kDecimalCap];
    size_t n = 0;
    do {
        rev[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; ++i) out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return n;
}

void write_i64(FILE* f, int64_t v) {
    char digits[kDecimalCap];
    // The magnitude as unsigned: -INT64_MIN does not fit int64_t.
    const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    format_u64(magnitude, digits);
    if (v < 0) fputc('-', f);
    fputs(digits, f);
}

void write_g6(FILE* f, double v) {
    constexpr int kSignificant = 6;
    constexpr uint64_t kLow = 100000;  // 10^(kSignificant - 1)
    if (v < 0) fputc('-', f);
    const double a = fabs(v);
    if (a == 0) {
        fputc('0', f);
        return;
    }
    // a = m x 10^(x - 5) with m of six digits, rounded half to even as
    // printf rounds an exact tie; log10 may be one off at a power of ten.
    int x = static_cast<int>(floor(log10(a)));
    uint64_t m = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        m = static_cast<uint64_t>(rint(a * pow(10.0, kSignificant - 1 - x)));
        if (m >= kLow * 10) {
            ++x;
        } else if (m < kLow) {
            --x;
        } else {
            break;
        }
    }
    char d[kDecimalCap];
    size_t n = format_u64(m, d);
    const bool fixed = x >= -4 && x < kSignificant;
    // Trailing zeros go, but never digits left of the decimal point.
    const size_t keep = fixed && x >= 0 ? static_cast<size_t>(x) + 1 : 1;
    while (n > keep && d[n - 1] == '0') --n;
    if (!fixed) {
        fputc(d[0], f);
        if (n > 1) {
            fputc('.', f);
            fwrite(d + 1, 1, n - 1, f);
        }
        fputs(x < 0 ? "e-" : "e+", f);
        const int e = x < 0 ? -x : x;
        if (e < 10) fputc('0', f);
        write_i64(f, e);
    } else if (x >= 0) {
        fwrite(d, 1, static_cast<size_t>(x) + 1, f);
        if (n > static_cast<size_t>(x) + 1) {
            fputc('.', f);
            fwrite(d + x + 1, 1, n - static_cast<size_t>(x) - 1, f);
        }
    } else {
        fputs("0.", f);
        for (int z = -1; z > x; --z) fputc('0', f);
        fwrite(d, 1, n, f);
    }
}

bool is_utf8_c1_control(const uint8_t* p, size_t n) {
    return n == 2 && p[0] == 0xC2 && p[1] <= 0x9F;
}

void write_json_string(FILE* f, const char* data, size_t size, JsonEscapes escapes) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(data);
    fputc('"', f);
    size_t i = 0;
    while (i < size) {
        if (p[i] < 0x80) {
            write_escaped_byte(f, p[i], escapes);
            ++i;
            continue;
        }
        size_t n = utf8_sequence_length(p + i, size - i);
        if (n == 0) {
            fputs("\\ufffd", f);
            ++i;
            continue;
        }
        if (escapes == JsonEscapes::terminal && is_utf8_c1_control(p + i, n)) {
            fprintf(f, "\\u%04x", p[i + 1]);  // C2 xx encodes U+00xx
        } else {
            fwrite(p + i, 1, n, f);
        }
        i += n;
    }
    fputc('"', f);
}

void write_json_cstr(FILE* f, const char* s, JsonEscapes escapes) {
    write_json_string(f, s != nullptr ? s : "", s != nullptr ? strlen(s) : 0, escapes);
}

bool base64_encode(const uint8_t* data, size_t size, char* out, size_t cap, size_t* written) {
    if ((size + 2) / 3 * 4 > cap) return false;
    size_t o = 0;
    base64_chunks(data, size, [&](const char* text, size_t n) {
        memcpy(out + o, text, n);
        o += n;
    });
    *written = o;
    return true;
}

void write_base64(FILE* f, const uint8_t* data, size_t size) {
    base64_chunks(data, size, [f](const char* text, size_t n) { fwrite(text, 1, n, f); });
}

}  // namespace cli
}  // namespace consensus
