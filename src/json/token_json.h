/* SPDX-License-Identifier: MIT */
// The GET /ws answers: the 200 token body and the text of an error body.
#pragma once

#include <stddef.h>

#include "consensus/client.h"
#include "consensus/error.h"

namespace consensus {

/// Default token lifetime when the 200 body has no expires_in (docs/SERVICE.md §1, §3).
constexpr uint32_t kDefaultExpiresIn = 60;

/// Parses {"token":..., "connect_url":..., "expires_in":N}; unknown fields are
/// ignored; strings are unescaped (\uXXXX incl. surrogate pairs -> UTF-8).
/// Fills token, connect_url and expires_in_s (60 when absent) of *out and
/// touches nothing else (on error token and connect_url are left empty).
/// Duplicate-key policy: a repeated token, connect_url or expires_in is rejected
/// (bad_response), since which one a server meant is unknowable.
/// Errors: bad_response (not a JSON object, bad JSON, token/connect_url missing,
/// empty or not a string, expires_in not a non-negative integer <= UINT32_MAX,
/// bad escape, \u0000), message_too_large (token > kMaxToken or connect_url >
/// kMaxUrl bytes after unescaping, or scratch too small for the tokens).
/// Memory: scratch holds the jsmn tokens (20 B each; a body of n bytes needs at
/// most n/2 + 1 tokens, the usual 155-byte body needs 7).
Error parse_token_response(const char* body, size_t len, void* scratch, size_t scratch_len,
                           TokenAuth* out);

/// Extracts the server's "message" (else "error") string of an error body into
/// out (NUL-terminated, unescaped, cut at cap - 1 on a character boundary: it
/// is display text). Returns its length; 0 (and out = "") when there is none or
/// the body is not a JSON object.
size_t extract_error_text(const char* body, size_t len, void* scratch, size_t scratch_len,
                          char* out, size_t cap);

}  // namespace consensus
