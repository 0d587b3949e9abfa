// SPDX-License-Identifier: MIT
#include "core/writer.h"

#include "core/strview.h"

namespace consensus {

bool header_value_ok(const char* v, size_t n) {
    if (n == 0) return true;
    if (v == nullptr || v[0] == ' ' || v[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; ++i) {
        if (!is_printable(v[i])) return false;
    }
    return true;
}

void BoundedWriter::put(const char* s, size_t n) {
    if (!ok_ || n > cap_ - len_) {
        ok_ = false;
        return;
    }
    if (n > 0) memcpy(out_ + len_, s, n);
    len_ += n;
}

void BoundedWriter::put_uint(uint64_t v) {
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(digits + sizeof digits - n, n);
}

void BoundedWriter::header(const char* name, StrView value) {
    if (!header_value_ok(value.data, value.size)) {
        ok_ = false;
        return;
    }
    put(name);
    put(": ");
    put(value);
    put("\r\n");
}

void BoundedWriter::optional_header(const char* name, const char* value) {
    if (value != nullptr && value[0] != '\0') header(name, view_of(value));
}

}  // namespace consensus
