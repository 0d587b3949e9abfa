// SPDX-License-Identifier: MIT
// parse_token_response and extract_error_text on arbitrary bodies.
// Input: [sizes][body...]; sizes picks the jsmn scratch (bits 0-5: 1..64
// tokens, or a roomy 4096 when all set) and the error-text capacity (bits 6-7).
// Body and scratch are exact-size heap blocks so ASan sees any overrun.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "consensus/client.h"
#include "consensus/config.h"
#include "fuzz_util.h"
#include "json/token_json.h"

using consensus::Error;
using consensus::TokenAuth;

namespace {

constexpr size_t kTokenBytes = 20;  // sizeof(jsmntok_t) with parent links on x86_64

void check_auth(Error e, const TokenAuth& a) {
    if (e != Error::ok) {
        fuzz::require(e == Error::bad_response || e == Error::message_too_large,
                      "untyped token error");
        fuzz::require(a.token[0] == '\0' && a.connect_url[0] == '\0', "fields left after error");
        return;
    }
    const size_t tl = strnlen(a.token, sizeof a.token);
    const size_t ul = strnlen(a.connect_url, sizeof a.connect_url);
    fuzz::require(tl > 0 && tl <= consensus::kMaxToken, "token length out of bounds");
    fuzz::require(ul > 0 && ul <= consensus::kMaxUrl, "connect_url length out of bounds");
}

// More scratch may only turn "scratch too small" into a result: an ok stays the
// same ok, and malformed JSON stays an error however much room there is.
void check_roomy(const char* body, size_t len, Error e, const TokenAuth& a) {
    static uint8_t roomy[4096 * kTokenBytes];
    TokenAuth b;
    memset(&b, 0x5A, sizeof b);
    const Error eb = consensus::parse_token_response(body, len, roomy, sizeof roomy, &b);
    if (e == Error::ok) {
        fuzz::require(eb == Error::ok, "more scratch turned ok into an error");
        fuzz::require(strcmp(a.token, b.token) == 0 && strcmp(a.connect_url, b.connect_url) == 0 &&
                          a.expires_in_s == b.expires_in_s,
                      "more scratch changed the token");
    }
    if (eb == Error::bad_response) {
        fuzz::require(e != Error::ok, "less scratch accepted a malformed body");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t sizes = data[0];
    const size_t ntok = (sizes & 63) == 63 ? 4096 : 1 + (sizes & 63);
    static constexpr size_t kCaps[] = {1, 8, 64, 512};
    const size_t cap = kCaps[sizes >> 6];
    const size_t len = size - 1;

    std::unique_ptr<char[]> body(new char[len + 1]);  // +1: never 0 bytes
    memcpy(body.get(), data + 1, len);
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[ntok * kTokenBytes]);

    TokenAuth auth;
    memset(&auth, 0x5A, sizeof auth);  // junk: the parser must clear what it reports
    const Error e =
        consensus::parse_token_response(body.get(), len, scratch.get(), ntok * kTokenBytes, &auth);
    check_auth(e, auth);
    check_roomy(body.get(), len, e, auth);

    std::unique_ptr<char[]> text(new char[cap]);
    const size_t n = consensus::extract_error_text(body.get(), len, scratch.get(),
                                                   ntok * kTokenBytes, text.get(), cap);
    fuzz::require(n < cap, "error text fills the whole buffer");
    fuzz::require(text[n] == '\0', "error text not NUL-terminated at its length");
    return 0;
}
