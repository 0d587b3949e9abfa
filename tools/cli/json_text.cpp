#include "json_text.h"

#include <math.h>
#include <string.h>

namespace consensus {
namespace cli {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_continuation(uint8_t b) {
    return (b & 0xC0) == 0x80;
}

void write_escaped_byte(FILE* f, uint8_t c, JsonEscapes escapes) {
    switch (c) {
        case '"':
            fputs("\\\"", f);
            return;
        case '\\':
            fputs("\\\\", f);
            return;
        case '\n':
            fputs("\\n", f);
            return;
        case '\r':
            fputs("\\r", f);
            return;
        case '\t':
            fputs("\\t", f);
            return;
        case '\b':
            fputs("\\b", f);
            return;
        case '\f':
            fputs("\\f", f);
            return;
        default:
            break;
    }
    if (c < 0x20 || (c == 0x7F && escapes == JsonEscapes::terminal)) {
        fprintf(f, "\\u%04x", c);
    } else {
        fputc(c, f);
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

size_t utf8_sequence_length(const uint8_t* p, size_t avail) {
    if (avail == 0) return 0;
    uint8_t b = p[0];
    if (b < 0x80) return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if ((b & 0xE0) == 0xC0) {
        n = 2;
        cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
        n = 3;
        cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
        n = 4;
        cp = b & 0x07u;
    } else {
        return 0;
    }
    if (avail < n) return 0;
    for (size_t i = 1; i < n; ++i) {
        if (!is_continuation(p[i])) return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10FFFF) return 0;  // overlong / out of range
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;            // UTF-16 surrogates
    return n;
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
    size_t need = (size + 2) / 3 * 4;
    if (need > cap) return false;
    size_t o = 0;
    for (size_t i = 0; i < size; i += 3) {
        size_t rest = size - i;
        uint32_t v = uint32_t{data[i]} << 16;
        if (rest > 1) v |= uint32_t{data[i + 1]} << 8;
        if (rest > 2) v |= data[i + 2];
        out[o++] = kBase64[(v >> 18) & 63];
        out[o++] = kBase64[(v >> 12) & 63];
        out[o++] = rest > 1 ? kBase64[(v >> 6) & 63] : '=';
        out[o++] = rest > 2 ? kBase64[v & 63] : '=';
    }
    *written = o;
    return true;
}

void write_base64(FILE* f, const uint8_t* data, size_t size) {
    // Chunks of 3*256 input bytes encode to exactly 1024 characters, no padding inside.
    char chunk[1024];
    for (size_t i = 0; i < size; i += 768) {
        size_t n = size - i < 768 ? size - i : 768;
        size_t w = 0;
        base64_encode(data + i, n, chunk, sizeof chunk, &w);
        fwrite(chunk, 1, w, f);
    }
}

}  // namespace cli
}  // namespace consensus
