/* SPDX-License-Identifier: MIT */
// JSON over jsmn: a validated document view, key lookup, string unescaping and
// number conversion. Tokens live in a caller-provided scratch area; nothing is
// allocated. Internal to the library (token_json, server_message, challenge).
#pragma once

#include <stddef.h>
#include <stdint.h>

#define JSMN_HEADER
#include <jsmn.h>

#include "consensus/error.h"
#include "consensus/strview.h"

namespace consensus {

/// A tokenized, validated JSON object. Views only; `js` must outlive it.
struct JsonDoc {
    const char* js = nullptr;
    size_t len = 0;
    const jsmntok_t* tok = nullptr;
    int count = 0;
};

/// Tokenizes `js` into tokens carved from `scratch` (any alignment: it is
/// aligned here; each token costs sizeof(jsmntok_t), 20 B with parent links)
/// and validates it as ONE JSON object: jsmn (strict) plus a check of every
/// separator (missing/extra commas and colons), of every literal and number,
/// and no raw control bytes in strings. Errors: bad_response (not JSON, not an
/// object, truncated, trailing bytes), message_too_large (too few tokens).
Error json_parse_object(const char* js, size_t len, void* scratch, size_t scratch_len,
                        JsonDoc* doc);

/// Index of the first token after token i's subtree.
int json_next(const JsonDoc& doc, int i);

constexpr int kJsonAbsent = -1;
constexpr int kJsonDuplicate = -2;
/// Index of the value of `key` in object `obj`, kJsonAbsent, or kJsonDuplicate
/// when the key occurs twice (keys are compared after unescaping).
int json_find(const JsonDoc& doc, int obj, const char* key);

bool json_is_string(const JsonDoc& doc, int i);
bool json_is_object(const JsonDoc& doc, int i);
bool json_is_array(const JsonDoc& doc, int i);
/// The token's text: a string's raw contents (escapes not decoded), or the
/// whole text of a primitive, object or array.
StrView json_raw(const JsonDoc& doc, int i);

/// A non-negative integer primitive (digits only) up to `max`.
bool json_uint(const JsonDoc& doc, int i, uint64_t max, uint64_t* out);
/// An integer primitive (optional '-'), for values such as limits.timeSeconds.
bool json_int(const JsonDoc& doc, int i, int64_t* out);
/// A number primitive as double (rounding as decimal-to-double with <= 19
/// significant digits; informational values only).
bool json_number(const JsonDoc& doc, int i, double* out);

/// Decodes a JSON string's raw contents (\" \\ \/ \b \f \n \r \t \uXXXX with
/// surrogate pairs) to UTF-8 in `out` and NUL-terminates it.
/// Errors: bad_response (bad escape, lone surrogate, \u0000),
/// message_too_large (more than cap - 1 bytes).
Error json_unescape(StrView raw, char* out, size_t cap, size_t* out_len);

/// The escape of ASCII byte c inside a JSON string, NUL-terminated in out:
/// \" \\ \n \r \t \b \f, \u00XX for the other controls below 0x20
/// (and for DEL when escape_del: text meant for a terminal). Returns its
/// length, or 0 when c stands for itself (out untouched). The library's and
/// the tools' one JSON string escape (the CLI's lines, the dev server's).
size_t json_escape_ascii(uint8_t c, bool escape_del, char out[7]);
/// Same, for display text: cut at cap - 1 on a character boundary. Returns the
/// length (0 and out = "" on a bad escape).
size_t json_unescape_cut(StrView raw, char* out, size_t cap);

/// Appends string token i of doc, unescaped and cut, to the text of `len`
/// bytes in out (cap > len), after ": " when the text is not empty. Nothing
/// when i is not a string or fewer than 3 bytes are left. Returns the new length.
size_t json_append_text(const JsonDoc& doc, int i, char* out, size_t len, size_t cap);

}  // namespace consensus
