// GET /ws request writer: bounded appends, all-or-nothing.
#include "http/request.h"

#include <string.h>

#include "core/strview.h"

namespace consensus {

namespace {

// Appends into a fixed buffer; once anything fails to fit, `ok` stays false.
class Writer {
  public:
    Writer(char* out, size_t cap) : out_(out), cap_(cap) {}
    void put(const char* s, size_t n) {
        if (!ok_ || n > cap_ - len_) {
            ok_ = false;
            return;
        }
        if (n > 0) memcpy(out_ + len_, s, n);
        len_ += n;
    }
    void put(StrView v) { put(v.data, v.size); }
    void put(const char* s) { put(s, strlen(s)); }
    void put_uint(uint32_t v) {
        char digits[10];
        size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        char text[10];
        for (size_t i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
        put(text, n);
    }
    void header(const char* name, const char* value, size_t n) {
        put(name);
        put(": ");
        put(value, n);
        put("\r\n");
    }
    size_t result() const { return ok_ ? len_ : 0; }
    void fail() { ok_ = false; }

  private:
    char* out_;
    size_t cap_;
    size_t len_ = 0;
    bool ok_ = true;
};

// The base path without its query and trailing slashes ("/" becomes "").
StrView base_path(StrView target) {
    size_t n = 0;
    while (n < target.size && target.data[n] != '?') ++n;
    while (n > 0 && target.data[n - 1] == '/') --n;
    return make_view(target.data, n);
}

void node_header(Writer* w, const char* name, const char* value) {
    if (value == nullptr || value[0] == '\0') return;
    size_t n = strlen(value);
    if (!header_value_ok(value, n)) {
        w->fail();
        return;
    }
    w->header(name, value, n);
}

uint32_t dimension(int32_t v) {
    return v > 0 ? static_cast<uint32_t>(v) : 0;
}

}  // namespace

bool header_value_ok(const char* v, size_t n) {
    if (n == 0) return true;
    if (v == nullptr || v[0] == ' ' || v[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; ++i) {
        if (!is_printable(v[i])) return false;
    }
    return true;
}

size_t write_token_request(char* out, size_t cap, const Url& base, const TokenParams& params,
                           const char* payment, size_t payment_len) {
    if (out == nullptr) return 0;
    Writer w(out, cap);
    w.put("GET ");
    w.put(base_path(base.target));
    w.put("/ws?model=");
    w.put(model_name(params.model));
    w.put("&minutes=");
    w.put_uint(dimension(params.minutes));
    w.put("&megabytes=");
    w.put_uint(dimension(params.megabytes));
    w.put(" HTTP/1.1\r\nHost: ");
    w.put(base.host_header);
    w.put("\r\nAccept: application/json\r\nUser-Agent: consensus-ws/");
    w.put(kLibraryVersion);
    w.put("\r\n");
    node_header(&w, "x-node-region", params.node_region);
    node_header(&w, "x-node-domain", params.node_domain);
    node_header(&w, "x-node-exclude", params.node_exclude);
    if (payment != nullptr) {
        if (payment_len == 0 || !header_value_ok(payment, payment_len)) return 0;
        w.header("PAYMENT-SIGNATURE", payment, payment_len);
    }
    w.put("Connection: close\r\n\r\n");
    return w.result();
}

}  // namespace consensus
