#include "json_text.h"

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
