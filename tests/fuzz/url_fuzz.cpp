// SPDX-License-Identifier: MIT
// parse_url on arbitrary bytes (the whole input is the URL). Every view must
// point into the input (or be the static "/"), and a parsed URL must hold the
// documented character and port rules.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "core/url.h"
#include "fuzz_util.h"

using consensus::Error;
using consensus::Url;

namespace {

void check_url(const Url& u, const char* s, size_t n) {
    fuzz::require(u.host.size > 0, "empty host accepted");
    fuzz::require(u.port != 0, "port 0 accepted");
    fuzz::require(fuzz::view_inside(u.host, s, n), "host outside the input");
    fuzz::require(fuzz::view_inside(u.host_header, s, n), "host_header outside the input");
    fuzz::require(u.target.size > 0, "empty target");
    fuzz::require(u.target.data[0] == '/', "target does not start with /");
    fuzz::require(fuzz::view_inside(u.target, s, n) || u.target.size == 1,
                  "target outside the input");
    for (size_t i = 0; i < u.target.size; ++i) {
        const unsigned char c = static_cast<unsigned char>(u.target.data[i]);
        fuzz::require(c > 0x20 && c < 0x7F, "control, space or non-ASCII byte in target");
        fuzz::require(c != '#', "fragment kept in target");
    }
    for (size_t i = 0; i < u.host_header.size; ++i) {
        const unsigned char c = static_cast<unsigned char>(u.host_header.data[i]);
        fuzz::require(c > 0x20 && c < 0x7F, "bad byte in host_header");
    }
    (void)consensus::url_is_base(u);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unique_ptr<char[]> s(new char[size + 1]);
    memcpy(s.get(), data, size);
    Url u;
    memset(&u, 0x5A, sizeof u);
    const Error e = consensus::parse_url(s.get(), size, &u);
    if (e == Error::ok) {
        check_url(u, s.get(), size);
    } else {
        fuzz::require(e == Error::invalid_params, "untyped URL error");
    }
    return 0;
}
