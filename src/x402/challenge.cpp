// SPDX-License-Identifier: MIT
// PAYMENT-REQUIRED decoding (base64 via mbedTLS) and PaymentRequired parsing.
#include "x402/challenge.h"

#include <stdint.h>

#include "core/strview.h"
#include "core/writer.h"
#include "json/json.h"
#include "tls/crypto.h"

namespace consensus {

namespace {

constexpr size_t kB64Quantum = 4;
constexpr size_t kMaxPadding = 2;

bool b64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '/';
}

// The decoder of @x402/core: ^[A-Za-z0-9+/]*={0,2}$ (and whole quanta).
bool b64_ok(const char* s, size_t n) {
    if (s == nullptr || n == 0 || n % kB64Quantum != 0) return false;
    size_t pad = 0;
    while (pad < kMaxPadding && s[n - 1 - pad] == '=') ++pad;
    for (size_t i = 0; i < n - pad; ++i) {
        if (!b64_char(s[i])) return false;
    }
    return true;
}

// Looks up `key` in `obj`; a repeated key is a malformed challenge.
bool find_once(const JsonDoc& doc, int obj, const char* key, int* out) {
    *out = json_find(doc, obj, key);
    return *out != kJsonDuplicate;
}

// A string field; absent is fine when !required. No escapes when `plain`.
bool string_field(const JsonDoc& doc, int obj, const char* key, bool required, bool plain,
                  StrView* out) {
    int i = 0;
    if (!find_once(doc, obj, key, &i)) return false;
    if (i == kJsonAbsent) return !required;
    if (!json_is_string(doc, i)) return false;
    *out = json_raw(doc, i);
    if (plain) {
        for (size_t k = 0; k < out->size; ++k) {
            if (out->data[k] == '\\') return false;
        }
        if (required && out->size == 0) return false;
    }
    return true;
}

bool uint32_field(const JsonDoc& doc, int obj, const char* key, uint32_t* out) {
    int i = 0;
    if (!find_once(doc, obj, key, &i)) return false;
    if (i == kJsonAbsent) return true;
    uint64_t v = 0;
    if (!json_uint(doc, i, UINT32_MAX, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
}

bool digits_only(StrView v) {
    for (size_t k = 0; k < v.size; ++k) {
        if (!is_digit(v.data[k])) return false;
    }
    return v.size > 0;
}

bool parse_requirement(const JsonDoc& doc, int obj, PaymentRequirement* r) {
    if (!json_is_object(doc, obj)) return false;
    *r = PaymentRequirement{};
    r->raw = make_view(doc.js + doc.tok[obj].start,
                       static_cast<size_t>(doc.tok[obj].end - doc.tok[obj].start));
    return string_field(doc, obj, "scheme", true, true, &r->scheme) &&
           string_field(doc, obj, "network", true, true, &r->network) &&
           string_field(doc, obj, "amount", true, true, &r->amount) && digits_only(r->amount) &&
           string_field(doc, obj, "asset", true, true, &r->asset) &&
           string_field(doc, obj, "payTo", true, true, &r->pay_to) &&
           uint32_field(doc, obj, "maxTimeoutSeconds", &r->max_timeout_s);
}

bool parse_accepts(const JsonDoc& doc, PaymentChallenge* out) {
    int arr = 0;
    if (!find_once(doc, 0, "accepts", &arr) || !json_is_array(doc, arr)) return false;
    out->accepts_json = json_raw(doc, arr);
    int n = doc.tok[arr].size;
    if (n <= 0) return false;
    int item = arr + 1;
    for (int k = 0; k < n && static_cast<size_t>(k) < kMaxAccepts; ++k) {
        if (!parse_requirement(doc, item, &out->accepts[k])) return false;
        out->accepts_count = static_cast<size_t>(k) + 1;
        item = json_next(doc, item);
    }
    return true;
}

bool parse_resource(const JsonDoc& doc, PaymentChallenge* out) {
    int res = 0;
    if (!find_once(doc, 0, "resource", &res)) return false;
    if (res == kJsonAbsent) return true;
    if (!json_is_object(doc, res)) return false;
    out->resource_json = json_raw(doc, res);
    return string_field(doc, res, "url", false, false, &out->resource_url);
}

bool parse_extensions(const JsonDoc& doc, PaymentChallenge* out) {
    int ext = 0;
    if (!find_once(doc, 0, "extensions", &ext)) return false;
    if (ext == kJsonAbsent) return true;
    if (!json_is_object(doc, ext)) return false;
    out->extensions_json = json_raw(doc, ext);
    return true;
}

bool parse_challenge(const JsonDoc& doc, PaymentChallenge* out) {
    return uint32_field(doc, 0, "x402Version", &out->x402_version) &&
           string_field(doc, 0, "error", false, false, &out->error) && parse_resource(doc, out) &&
           parse_extensions(doc, out) && parse_accepts(doc, out);
}

// An x402 header value: base64 (as @x402/core decodes it) of one JSON object.
Error decode_json_header(const char* b64, size_t b64_len, char* json_out, size_t json_cap,
                         void* scratch, size_t scratch_len, JsonDoc* doc, size_t* json_len) {
    if (!b64_ok(b64, b64_len)) return Error::bad_response;
    size_t need = 0;
    (void)base64_decode(b64, b64_len, nullptr, 0, &need);  // size only
    if (json_out == nullptr || json_cap < need + 1) return Error::message_too_large;
    size_t n = 0;
    uint8_t* dst = reinterpret_cast<uint8_t*>(json_out);
    if (base64_decode(b64, b64_len, dst, json_cap - 1, &n) != Base64Status::ok) {
        return Error::bad_response;
    }
    json_out[n] = '\0';
    *json_len = n;
    return json_parse_object(json_out, n, scratch, scratch_len, doc);
}

}  // namespace

size_t settlement_error_text(const char* b64, size_t b64_len, char* json_buf, size_t json_cap,
                             void* scratch, size_t scratch_len, char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    out[0] = '\0';
    JsonDoc doc;
    size_t n = 0;
    if (decode_json_header(b64, b64_len, json_buf, json_cap, scratch, scratch_len, &doc, &n) !=
        Error::ok) {
        return 0;
    }
    size_t len = json_append_text(doc, json_find(doc, 0, "errorReason"), out, 0, cap);
    len = json_append_text(doc, json_find(doc, 0, "errorMessage"), out, len, cap);
    out[len] = '\0';
    return len;
}

namespace {

Error finish_challenge(const JsonDoc& doc, const char* json, size_t n, PaymentChallenge* out) {
    out->json = make_view(json, n);
    if (!parse_challenge(doc, out)) {
        *out = PaymentChallenge{};
        return Error::bad_response;
    }
    return Error::ok;
}

}  // namespace

Error decode_challenge(const char* b64, size_t b64_len, char* json_out, size_t json_cap,
                       void* scratch, size_t scratch_len, PaymentChallenge* out) {
    if (out == nullptr) return Error::bad_response;
    *out = PaymentChallenge{};
    JsonDoc doc;
    size_t n = 0;
    const Error e =
        decode_json_header(b64, b64_len, json_out, json_cap, scratch, scratch_len, &doc, &n);
    if (e != Error::ok) return e;
    return finish_challenge(doc, json_out, n, out);
}

Error parse_payment_challenge(const char* json, size_t len, void* scratch, size_t scratch_len,
                              PaymentChallenge* out) {
    if (out == nullptr) return Error::bad_response;
    *out = PaymentChallenge{};
    JsonDoc doc;
    const Error e = json_parse_object(json, len, scratch, scratch_len, &doc);
    if (e != Error::ok) return e;
    return finish_challenge(doc, json, len, out);
}

size_t write_policy_challenge(const PaymentChallenge& ch, char* out, size_t cap) {
    const StrView arr = ch.accepts_json;
    if (arr.data == nullptr || ch.json.data == nullptr || arr.data < ch.json.data ||
        arr.data + arr.size > ch.json.data + ch.json.size) {
        return 0;
    }
    const size_t head = static_cast<size_t>(arr.data - ch.json.data);
    BoundedWriter w(out, cap);
    w.put(ch.json.data, head);
    w.put("[");
    for (size_t i = 0; i < ch.accepts_count; ++i) {
        if (i > 0) w.put(",");
        w.put(ch.accepts[i].raw);
    }
    w.put("]");
    w.put(arr.data + arr.size, ch.json.size - head - arr.size);
    return w.result();
}

}  // namespace consensus
