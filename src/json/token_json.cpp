// SPDX-License-Identifier: MIT
// Token response and error-body parsing.
#include "json/token_json.h"

#include "json/json.h"

namespace consensus {

namespace {

// A required string field: present once, a string, not empty.
Error copy_string(const JsonDoc& doc, int v, char* out, size_t cap) {
    if (v < 0 || !json_is_string(doc, v)) return Error::bad_response;
    size_t n = 0;
    Error e = json_unescape(json_raw(doc, v), out, cap, &n);
    if (e != Error::ok) return e;
    return n == 0 ? Error::bad_response : Error::ok;
}

Error fill_auth(const JsonDoc& doc, TokenAuth* out) {
    int token = json_find(doc, 0, "token");
    int url = json_find(doc, 0, "connect_url");
    int expires = json_find(doc, 0, "expires_in");
    if (token == kJsonDuplicate || url == kJsonDuplicate || expires == kJsonDuplicate) {
        return Error::bad_response;
    }
    uint64_t secs = kDefaultExpiresIn;
    if (expires >= 0 && !json_uint(doc, expires, UINT32_MAX, &secs)) return Error::bad_response;
    if (token < 0 || url < 0 || !json_is_string(doc, token) || !json_is_string(doc, url)) {
        return Error::bad_response;
    }
    Error e = copy_string(doc, token, out->token, sizeof(out->token));
    if (e == Error::ok) e = copy_string(doc, url, out->connect_url, sizeof(out->connect_url));
    if (e != Error::ok) return e;
    out->expires_in_s = static_cast<uint32_t>(secs);
    return Error::ok;
}

}  // namespace

Error parse_token_response(const char* body, size_t len, void* scratch, size_t scratch_len,
                           TokenAuth* out) {
    if (out == nullptr) return Error::bad_response;
    JsonDoc doc;
    Error e = json_parse_object(body, len, scratch, scratch_len, &doc);
    if (e == Error::ok) e = fill_auth(doc, out);
    if (e != Error::ok) {
        out->token[0] = '\0';
        out->connect_url[0] = '\0';
    }
    return e;
}

size_t extract_error_text(const char* body, size_t len, void* scratch, size_t scratch_len,
                          char* out, size_t cap) {
    if (out == nullptr || cap == 0) return 0;
    out[0] = '\0';
    JsonDoc doc;
    if (json_parse_object(body, len, scratch, scratch_len, &doc) != Error::ok) return 0;
    int v = json_find(doc, 0, "message");
    if (!json_is_string(doc, v)) v = json_find(doc, 0, "error");
    if (!json_is_string(doc, v)) return 0;
    const size_t n = json_unescape_cut(json_raw(doc, v), out, cap);
    // The service adds what went wrong below the error: {"error": "Settlement
    // failed", "details": "invalid_exact_evm_transaction_failed"}.
    return json_append_text(doc, json_find(doc, 0, "details"), out, n, cap);
}

}  // namespace consensus
