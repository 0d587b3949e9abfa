// SPDX-License-Identifier: MIT
// JSON validation and helpers over jsmn tokens. jsmn finds the tokens; this file
// checks what jsmn does not (separators, literals, control bytes) so that a
// document accepted here is valid JSON, and decodes strings and numbers.
#include "json/json.h"

#include <string.h>

#include "core/strview.h"
#include "core/utf8.h"

namespace consensus {

namespace {

constexpr size_t kMaxKey = 64;  // longest key we compare (ours are short)
constexpr int kMaxSignificant = 19;
constexpr int kMaxExponent = 400;

bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

uint32_t hex_value(char c) {
    if (is_digit(c)) return static_cast<uint32_t>(c - '0');
    return static_cast<uint32_t>(ascii_lower(c) - 'a' + 10);
}

int outer_start(const jsmntok_t& t) {
    return t.type == JSMN_STRING ? t.start - 1 : t.start;
}
int outer_end(const jsmntok_t& t) {
    return t.type == JSMN_STRING ? t.end + 1 : t.end;
}

// Text between two tokens: whitespace, then `sep` (if not 0), then whitespace.
bool gap_ok(const char* js, int from, int to, char sep) {
    if (from > to) return false;
    int k = from;
    while (k < to && is_ws(js[k])) ++k;
    if (sep != 0) {
        if (k >= to || js[k] != sep) return false;
        ++k;
        while (k < to && is_ws(js[k])) ++k;
    }
    return k == to;
}

// JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool number_ok(StrView v) {
    size_t i = 0;
    if (i < v.size && v.data[i] == '-') ++i;
    if (i >= v.size || !is_digit(v.data[i])) return false;
    if (v.data[i] == '0') {
        ++i;
    } else {
        while (i < v.size && is_digit(v.data[i])) ++i;
    }
    if (i < v.size && v.data[i] == '.') {
        ++i;
        if (i >= v.size || !is_digit(v.data[i])) return false;
        while (i < v.size && is_digit(v.data[i])) ++i;
    }
    if (i < v.size && (v.data[i] == 'e' || v.data[i] == 'E')) {
        ++i;
        if (i < v.size && (v.data[i] == '+' || v.data[i] == '-')) ++i;
        if (i >= v.size || !is_digit(v.data[i])) return false;
        while (i < v.size && is_digit(v.data[i])) ++i;
    }
    return i == v.size;
}

bool primitive_ok(StrView v) {
    return view_equals(v, "true") || view_equals(v, "false") || view_equals(v, "null") ||
           number_ok(v);
}

// The child of `parent` that contains token j (j inside parent's subtree).
int child_of(const JsonDoc& d, int j, int parent) {
    while (d.tok[j].parent != parent) j = d.tok[j].parent;
    return j;
}

// Where the subtree of child c of container p ends (an object's key: its value's end).
int child_end(const JsonDoc& d, int c, int p) {
    return d.tok[p].type == JSMN_OBJECT ? outer_end(d.tok[c + 1]) : outer_end(d.tok[c]);
}

bool token_ok(const JsonDoc& d, int i) {
    const jsmntok_t& t = d.tok[i];
    int p = t.parent;
    if (p < 0 || p >= i) return false;
    const jsmntok_t& pt = d.tok[p];
    if (pt.type == JSMN_OBJECT && (t.type != JSMN_STRING || t.size != 1)) return false;
    bool sep_ok;
    if (pt.type == JSMN_STRING) {
        sep_ok = gap_ok(d.js, outer_end(pt), outer_start(t), ':');
    } else if (i == p + 1) {
        sep_ok = gap_ok(d.js, pt.start + 1, outer_start(t), 0);
    } else {
        int prev = child_of(d, i - 1, p);
        sep_ok = gap_ok(d.js, child_end(d, prev, p), outer_start(t), ',');
    }
    if (!sep_ok) return false;
    StrView raw = json_raw(d, i);
    if (t.type == JSMN_PRIMITIVE) return primitive_ok(raw);
    if (t.type == JSMN_STRING) {
        for (size_t k = 0; k < raw.size; ++k) {
            if (static_cast<unsigned char>(raw.data[k]) < 0x20) return false;
        }
    }
    return true;
}

// After a container's last child only whitespace may precede its closing bracket.
bool container_tail_ok(const JsonDoc& d, int c) {
    const jsmntok_t& t = d.tok[c];
    if (t.size == 0) return gap_ok(d.js, t.start + 1, t.end - 1, 0);
    int last = child_of(d, json_next(d, c) - 1, c);
    return gap_ok(d.js, child_end(d, last, c), t.end - 1, 0);
}

bool document_ok(const JsonDoc& d) {
    if (d.tok[0].type != JSMN_OBJECT || json_next(d, 0) != d.count) return false;
    if (!gap_ok(d.js, 0, d.tok[0].start, 0)) return false;
    if (!gap_ok(d.js, d.tok[0].end, static_cast<int>(d.len), 0)) return false;
    for (int i = 1; i < d.count; ++i) {
        if (!token_ok(d, i)) return false;
    }
    for (int i = 0; i < d.count; ++i) {
        bool container = d.tok[i].type == JSMN_OBJECT || d.tok[i].type == JSMN_ARRAY;
        if (container && !container_tail_ok(d, i)) return false;
    }
    return true;
}

bool read_hex4(StrView raw, size_t at, uint32_t* out) {
    if (at + 4 > raw.size) return false;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
        if (!is_hex(raw.data[at + k])) return false;
        v = (v << 4) | hex_value(raw.data[at + k]);
    }
    *out = v;
    return true;
}

// Decodes the escape at raw[*i] ('\\'); advances *i. Writes UTF-8 into buf.
bool decode_escape(StrView raw, size_t* i, char* buf, size_t* n) {
    if (*i + 1 >= raw.size) return false;
    char e = raw.data[*i + 1];
    constexpr const char kFrom[] = "\"\\/bfnrt";
    constexpr const char kTo[] = "\"\\/\b\f\n\r\t";
    for (size_t k = 0; k < sizeof(kFrom) - 1; ++k) {
        if (e == kFrom[k]) {
            buf[0] = kTo[k];
            *n = 1;
            *i += 2;
            return true;
        }
    }
    uint32_t cp = 0;
    if (e != 'u' || !read_hex4(raw, *i + 2, &cp) || cp == 0) return false;
    *i += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo = 0;
        if (*i + 1 >= raw.size || raw.data[*i] != '\\' || raw.data[*i + 1] != 'u') return false;
        if (!read_hex4(raw, *i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
        *i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *n = utf8_encode(cp, buf);
    return true;
}

// Shared decoder: cut = stop quietly at the capacity (display text).
Error unescape(StrView raw, char* out, size_t cap, bool cut, size_t* out_len) {
    *out_len = 0;
    if (out == nullptr || cap == 0) return Error::message_too_large;
    out[0] = '\0';
    size_t len = 0;
    size_t i = 0;
    while (i < raw.size) {
        char buf[4];
        size_t n = 0;
        const char* src = buf;
        if (raw.data[i] == '\\') {
            if (!decode_escape(raw, &i, buf, &n)) return Error::bad_response;
        } else {
            n = utf8_lead_length(static_cast<unsigned char>(raw.data[i]));
            if (n > raw.size - i) n = raw.size - i;
            src = raw.data + i;
            i += n;
        }
        if (n > cap - 1 - len) {
            if (!cut) return Error::message_too_large;
            break;
        }
        memcpy(out + len, src, n);
        len += n;
    }
    out[len] = '\0';
    *out_len = len;
    return Error::ok;
}

bool key_equals(StrView raw, const char* key) {
    char buf[kMaxKey + 1];
    size_t n = 0;
    if (unescape(raw, buf, sizeof(buf), false, &n) != Error::ok) return false;
    return n == strlen(key) && memcmp(buf, key, n) == 0;
}

// 10^k for k >= 0: exact up to 1e22, which covers every value the service sends.
double pow10_of(int k) {
    double r = 1.0;
    for (int j = 0; j < k; ++j) r *= 10.0;
    return r;
}

}  // namespace

Error json_parse_object(const char* js, size_t len, void* scratch, size_t scratch_len,
                        JsonDoc* doc) {
    if (js == nullptr || doc == nullptr) return Error::bad_response;
    uintptr_t addr = reinterpret_cast<uintptr_t>(scratch);
    uintptr_t aligned = (addr + alignof(jsmntok_t) - 1) & ~(uintptr_t{alignof(jsmntok_t)} - 1);
    size_t skip = static_cast<size_t>(aligned - addr);
    if (scratch == nullptr || scratch_len < skip + sizeof(jsmntok_t)) {
        return Error::message_too_large;
    }
    size_t max_tokens = (scratch_len - skip) / sizeof(jsmntok_t);
    if (max_tokens > 0x7fffffff) max_tokens = 0x7fffffff;
    jsmntok_t* tok = reinterpret_cast<jsmntok_t*>(aligned);
    jsmn_parser parser;
    jsmn_init(&parser);
    int r = jsmn_parse(&parser, js, len, tok, static_cast<unsigned int>(max_tokens));
    if (r == JSMN_ERROR_NOMEM) return Error::message_too_large;
    if (r <= 0) return Error::bad_response;
    JsonDoc d;
    d.js = js;
    d.len = len;
    d.tok = tok;
    d.count = r;
    if (!document_ok(d)) return Error::bad_response;
    *doc = d;
    return Error::ok;
}

int json_next(const JsonDoc& doc, int i) {
    int j = i + 1;
    while (j < doc.count && doc.tok[j].start < doc.tok[i].end) ++j;
    return j;
}

int json_find(const JsonDoc& doc, int obj, const char* key) {
    if (!json_is_object(doc, obj)) return kJsonAbsent;
    int found = kJsonAbsent;
    int k = obj + 1;
    for (int n = 0; n < doc.tok[obj].size; ++n) {
        if (key_equals(json_raw(doc, k), key)) {
            if (found != kJsonAbsent) return kJsonDuplicate;
            found = k + 1;
        }
        k = json_next(doc, k + 1);
    }
    return found;
}

bool json_is_string(const JsonDoc& doc, int i) {
    return i >= 0 && i < doc.count && doc.tok[i].type == JSMN_STRING;
}

bool json_is_object(const JsonDoc& doc, int i) {
    return i >= 0 && i < doc.count && doc.tok[i].type == JSMN_OBJECT;
}

bool json_is_array(const JsonDoc& doc, int i) {
    return i >= 0 && i < doc.count && doc.tok[i].type == JSMN_ARRAY;
}

StrView json_raw(const JsonDoc& doc, int i) {
    if (i < 0 || i >= doc.count) return StrView{};
    const jsmntok_t& t = doc.tok[i];
    return make_view(doc.js + t.start, static_cast<size_t>(t.end - t.start));
}

bool json_uint(const JsonDoc& doc, int i, uint64_t max, uint64_t* out) {
    if (i < 0 || i >= doc.count || doc.tok[i].type != JSMN_PRIMITIVE) return false;
    StrView v = json_raw(doc, i);
    if (v.size == 0) return false;
    uint64_t r = 0;
    for (size_t k = 0; k < v.size; ++k) {
        if (!is_digit(v.data[k])) return false;
        uint64_t d = static_cast<uint64_t>(v.data[k] - '0');
        if (r > (max - d) / 10) return false;
        r = r * 10 + d;
    }
    *out = r;
    return true;
}

bool json_int(const JsonDoc& doc, int i, int64_t* out) {
    if (i < 0 || i >= doc.count || doc.tok[i].type != JSMN_PRIMITIVE) return false;
    StrView v = json_raw(doc, i);
    bool neg = v.size > 0 && v.data[0] == '-';
    JsonDoc sub = doc;
    uint64_t mag = 0;
    constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
    if (neg) {
        // Reuse json_uint on the digits after '-': a one-token view of them.
        jsmntok_t t = doc.tok[i];
        t.start += 1;
        sub.tok = &t;
        sub.count = 1;
        if (!json_uint(sub, 0, kMax, &mag)) return false;
        *out = -static_cast<int64_t>(mag);
        return true;
    }
    if (!json_uint(doc, i, kMax, &mag)) return false;
    *out = static_cast<int64_t>(mag);
    return true;
}

bool json_number(const JsonDoc& doc, int i, double* out) {
    if (i < 0 || i >= doc.count || doc.tok[i].type != JSMN_PRIMITIVE) return false;
    StrView v = json_raw(doc, i);
    if (!number_ok(v)) return false;
    size_t k = 0;
    bool neg = v.data[0] == '-';
    if (neg) ++k;
    uint64_t mant = 0;
    int digits = 0;
    int exp10 = 0;
    bool frac = false;
    for (; k < v.size && v.data[k] != 'e' && v.data[k] != 'E'; ++k) {
        if (v.data[k] == '.') {
            frac = true;
            continue;
        }
        int d = v.data[k] - '0';
        if (digits < kMaxSignificant) {
            if (mant != 0 || d != 0) ++digits;
            mant = mant * 10 + static_cast<uint64_t>(d);
            if (frac) --exp10;
        } else if (!frac) {
            ++exp10;  // integer digits beyond the precision kept
        }
    }
    if (k < v.size) {  // exponent
        ++k;
        bool eneg = v.data[k] == '-';
        if (v.data[k] == '-' || v.data[k] == '+') ++k;
        int e = 0;
        for (; k < v.size; ++k) {
            if (e < kMaxExponent) e = e * 10 + (v.data[k] - '0');
        }
        exp10 += eneg ? -e : e;
    }
    if (exp10 > kMaxExponent) exp10 = kMaxExponent;
    if (exp10 < -kMaxExponent) exp10 = -kMaxExponent;
    // Dividing by an exact power of ten rounds once (0.0005 comes out exact).
    double m = static_cast<double>(mant);
    double r = exp10 < 0 ? m / pow10_of(-exp10) : m * pow10_of(exp10);
    *out = neg ? -r : r;
    return true;
}

Error json_unescape(StrView raw, char* out, size_t cap, size_t* out_len) {
    size_t dummy = 0;
    return unescape(raw, out, cap, false, out_len ? out_len : &dummy);
}

size_t json_append_text(const JsonDoc& doc, int i, char* out, size_t len, size_t cap) {
    if (!json_is_string(doc, i) || len + 3 >= cap) return len;
    if (len > 0) {
        out[len++] = ':';
        out[len++] = ' ';
    }
    return len + json_unescape_cut(json_raw(doc, i), out + len, cap - len);
}

size_t json_unescape_cut(StrView raw, char* out, size_t cap) {
    size_t n = 0;
    if (unescape(raw, out, cap, true, &n) != Error::ok) {
        if (out != nullptr && cap > 0) out[0] = '\0';
        return 0;
    }
    return n;
}

size_t json_escape_ascii(uint8_t c, bool escape_del, char out[7]) {
    char short_form = 0;
    switch (c) {
        case '"':
        case '\\':
            short_form = static_cast<char>(c);
            break;
        case '\n':
            short_form = 'n';
            break;
        case '\r':
            short_form = 'r';
            break;
        case '\t':
            short_form = 't';
            break;
        case '\b':
            short_form = 'b';
            break;
        case '\f':
            short_form = 'f';
            break;
        default:
            break;
    }
    if (short_form != 0) {
        out[0] = '\\';
        out[1] = short_form;
        out[2] = '\0';
        return 2;
    }
    if (c >= 0x20 && !(c == 0x7F && escape_del)) return 0;
    static constexpr char kHex[] = "0123456789abcdef";
    memcpy(out, "\\u00", 4);
    out[4] = kHex[c >> 4];
    out[5] = kHex[c & 15];
    out[6] = '\0';
    return 6;
}

}  // namespace consensus
