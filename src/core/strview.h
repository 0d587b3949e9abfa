/* SPDX-License-Identifier: MIT */
// Small helpers over consensus::StrView (a pointer + size, never owning).
// Header-only; no allocation, no locale: ASCII rules only, as HTTP and URLs need.
#pragma once

#include <stddef.h>
#include <string.h>

#include "consensus/strview.h"

namespace consensus {

inline StrView make_view(const char* data, size_t size) {
    StrView v;
    v.data = data;
    v.size = size;
    return v;
}

/// A view of a NUL-terminated string (empty view for nullptr).
inline StrView view_of(const char* s) {
    return s ? make_view(s, strlen(s)) : StrView{};
}

constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// Printable ASCII (0x20..0x7e): what a header value or display text may carry.
constexpr bool is_printable(char c) {
    return c >= 0x20 && c <= 0x7e;
}

/// strlen that stops looking after `max` + 1 bytes (returns at most max + 1).
inline size_t bounded_len(const char* s, size_t max) {
    size_t n = 0;
    while (n <= max && s[n] != '\0') ++n;
    return n;
}

/// Copies text into out (cap > 0 bytes), cut at cap - 1 bytes, NUL-terminated.
/// Returns the bytes copied. For display texts, where a cut loses nothing that
/// matters; values that must stay whole check their length first.
inline size_t copy_cut(char* out, size_t cap, const char* text, size_t size) {
    const size_t n = size < cap - 1 ? size : cap - 1;
    if (n > 0) memcpy(out, text, n);
    out[n] = '\0';
    return n;
}

/// copy_cut into an array, whose size is the cap.
template <size_t N>
size_t copy_cut(char (&out)[N], const char* text, size_t size) {
    return copy_cut(out, N, text, size);
}

/// Exact byte equality with a literal.
inline bool view_equals(StrView v, const char* lit) {
    size_t n = strlen(lit);
    return v.size == n && (n == 0 || memcmp(v.data, lit, n) == 0);
}

/// ASCII case-insensitive equality of two views (host names).
inline bool view_iequals(StrView a, StrView b) {
    if (a.size != b.size) return false;
    for (size_t i = 0; i < a.size; ++i) {
        if (ascii_lower(a.data[i]) != ascii_lower(b.data[i])) return false;
    }
    return true;
}

/// ASCII case-insensitive equality with a literal (header names, schemes).
inline bool view_iequals(StrView v, const char* lit) {
    return view_iequals(v, make_view(lit, strlen(lit)));
}

/// The view without leading/trailing spaces and tabs (HTTP optional whitespace).
inline StrView view_trim(StrView v) {
    while (v.size > 0 && (v.data[0] == ' ' || v.data[0] == '\t')) {
        ++v.data;
        --v.size;
    }
    while (v.size > 0 && (v.data[v.size - 1] == ' ' || v.data[v.size - 1] == '\t')) --v.size;
    return v;
}

/// True when the comma-separated list v (an HTTP header value) holds token,
/// compared case-insensitively with optional whitespace around each item.
inline bool list_has_token(StrView v, const char* token) {
    size_t start = 0;
    for (size_t i = 0; i <= v.size; ++i) {
        if (i == v.size || v.data[i] == ',') {
            if (view_iequals(view_trim(make_view(v.data + start, i - start)), token)) return true;
            start = i + 1;
        }
    }
    return false;
}

}  // namespace consensus
