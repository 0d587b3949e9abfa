/* SPDX-License-Identifier: MIT */
// JSON string escaping and base64 for the CLI's output lines. Streams to a
// FILE* so message size never needs a second buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

namespace consensus {
namespace cli {

/// What write_json_string escapes besides what JSON itself requires.
enum class JsonEscapes : uint8_t {
    json,      // only `"`, `\` and the C0 controls: the --json lines (their bytes are the contract)
    terminal,  // also DEL and the C1 controls as \u007f, \u0080..\u009f: a JSON value
               // printed for a human on a terminal, where those bytes act
};

/// Writes `"..."`: the bytes as a JSON string. Escapes `"` `\` and control
/// characters (short forms \n \r \t \b \f, else \u00XX); passes valid UTF-8
/// through; each byte of an invalid UTF-8 sequence becomes \ufffd, so the
/// line stays valid JSON whatever the server sent.
void write_json_string(FILE* f, const char* data, size_t size,
                       JsonEscapes escapes = JsonEscapes::json);
/// Same for a NUL-terminated string (nullptr writes "").
void write_json_cstr(FILE* f, const char* s, JsonEscapes escapes = JsonEscapes::json);

/// Writes standard base64 with padding (RFC 4648), no quotes, no newlines.
void write_base64(FILE* f, const uint8_t* data, size_t size);

/// Standard base64 with padding into out (no NUL). False when it does not fit.
bool base64_encode(const uint8_t* data, size_t size, char* out, size_t cap, size_t* written);

/// The CLI's numbers are formatted here, not by printf's %lld, %zu or %g:
/// the firmware's C library (newlib-nano) has neither long long nor C99 nor
/// floating-point conversions, and the device prints the same lines.
/// Room for a 64-bit number in decimal with its sign, and the NUL.
constexpr size_t kDecimalCap = 21;
/// Writes v in decimal into out (NUL-terminated); returns the digits written.
size_t format_u64(uint64_t v, char out[kDecimalCap]);
/// Writes v in decimal to f.
void write_i64(FILE* f, int64_t v);
/// Writes v as printf("%.6g") would: six significant digits, trailing
/// zeros dropped, exponent form below 1e-4 and from 1e6 on ("2.5",
/// "0.00012", "1.23457e+06"). Finite v only.
void write_g6(FILE* f, double v);

/// True when p[0, n) is a C1 control, U+0080..U+009F, in UTF-8 (C2 80..C2 9F).
bool is_utf8_c1_control(const uint8_t* p, size_t n);

}  // namespace cli
}  // namespace consensus
