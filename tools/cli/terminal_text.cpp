// SPDX-License-Identifier: MIT
#include "terminal_text.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"
#include "json_text.h"

namespace consensus {
namespace cli {
namespace {

// Length of the sequence at p that is written unchanged, 0 when it needs an escape.
size_t passes_through(const uint8_t* p, size_t avail) {
    if (p[0] < 0x80) return (p[0] >= 0x20 && p[0] != 0x7F && p[0] != '\\') ? 1 : 0;
    size_t n = utf8_sequence_length(p, avail);
    return is_utf8_c1_control(p, n) ? 0 : n;  // a terminal acts on C1 (U+009B is CSI)
}

// Writes the escape of the sequence at p (one that does not pass through);
// returns how many bytes it stands for.
size_t write_escape(FILE* f, const uint8_t* p, size_t avail) {
    switch (p[0]) {
        case '\\':
            fputs("\\\\", f);
            return 1;
        case '\n':
            fputs("\\n", f);
            return 1;
        case '\r':
            fputs("\\r", f);
            return 1;
        case '\t':
            fputs("\\t", f);
            return 1;
        default:
            break;
    }
    if (is_utf8_c1_control(p, utf8_sequence_length(p, avail))) {
        fprintf(f, "\\u%04x", p[1]);  // C2 xx encodes U+00xx
        return 2;
    }
    fprintf(f, "\\x%02x", p[0]);  // C0, DEL, or a byte that starts no valid UTF-8
    return 1;
}

}  // namespace

void write_terminal_text(FILE* f, const char* data, size_t size) {
    if (data == nullptr) return;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(data);
    size_t run = 0;  // start of the pending bytes that pass through unchanged
    size_t i = 0;
    while (i < size) {
        size_t n = passes_through(p + i, size - i);
        if (n > 0) {
            i += n;
            continue;
        }
        fwrite(p + run, 1, i - run, f);
        i += write_escape(f, p + i, size - i);
        run = i;
    }
    fwrite(p + run, 1, i - run, f);
}

void write_terminal_cstr(FILE* f, const char* s) {
    if (s != nullptr) write_terminal_text(f, s, strlen(s));
}

}  // namespace cli
}  // namespace consensus
