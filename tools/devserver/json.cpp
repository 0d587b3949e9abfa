// SPDX-License-Identifier: MIT
// clang-format off
// This file holds the one (static, strict) copy of the jsmn parser; it must be
// included before json.h, which only declares it.
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>
// clang-format on

#include "json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/utf8.h"
#include "json/json.h"

namespace devserver {

std::string json_quote(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        char esc[7];
        if (consensus::json_escape_ascii(static_cast<uint8_t>(ch), false, esc) != 0) {
            out += esc;
        } else {
            out.push_back(ch);
        }
    }
    out.push_back('"');
    return out;
}

std::string js_number(double v) {
    if (!std::isfinite(v)) return "null";  // what JSON.stringify writes
    if (v == 0) return "0";
    char buf[64];
    // Shortest round-trip digits in fixed notation, like JavaScript below 1e21.
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (res.ec != std::errc()) return "null";
    return std::string(buf, res.ptr);
}

double round4(double v) {
    return std::floor(v * 1e4 + 0.5) / 1e4;
}

bool JsonDoc::parse(const std::string& text) {
    text_ = text;
    jsmn_parser p;
    jsmn_init(&p);
    int n = jsmn_parse(&p, text_.data(), text_.size(), nullptr, 0);
    if (n <= 0) return false;
    tokens_.assign(static_cast<size_t>(n), jsmntok_t{});
    jsmn_init(&p);
    int r = jsmn_parse(&p, text_.data(), text_.size(), tokens_.data(),
                       static_cast<unsigned>(tokens_.size()));
    // A single value must cover the whole text (trailing junk is not JSON).
    if (r != n || skip(0) != n) return false;
    for (size_t i = static_cast<size_t>(tokens_[0].end); i < text_.size(); ++i) {
        char c = text_[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    }
    return true;
}

int JsonDoc::skip(int t) const {
    int pending = 1;  // tokens still to visit, children included
    while (pending > 0 && t < static_cast<int>(tokens_.size())) {
        pending += tokens_[static_cast<size_t>(t)].size - 1;
        ++t;
    }
    return t;
}

int JsonDoc::find(int obj, const char* key) const {
    if (!is_object(obj)) return -1;
    int count = tokens_[static_cast<size_t>(obj)].size;
    int t = obj + 1;
    for (int i = 0; i < count; ++i) {
        int value = t + 1;
        if (is_string(t) && str(t) == key) return value;
        t = skip(value);
    }
    return -1;
}

std::string JsonDoc::raw(int t) const {
    const jsmntok_t& tok = tokens_[static_cast<size_t>(t)];
    return text_.substr(static_cast<size_t>(tok.start), static_cast<size_t>(tok.end - tok.start));
}

namespace {

void append_utf8(std::string& out, unsigned cp) {
    char buf[4];
    out.append(buf, consensus::utf8_encode(cp, buf));
}

char simple_escape(char c) {
    switch (c) {
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        case 'b':
            return '\b';
        case 'f':
            return '\f';
        default:
            return c;  // '"', '\\', '/'
    }
}

}  // namespace

std::string JsonDoc::str(int t) const {
    std::string in = raw(t), out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '\\' || i + 1 >= in.size()) {
            out.push_back(in[i]);
        } else if (in[i + 1] == 'u' && i + 5 < in.size()) {
            // Surrogate pairs are not joined: ids and amounts here are ASCII.
            std::string hex = in.substr(i + 2, 4);
            append_utf8(out, static_cast<unsigned>(std::strtoul(hex.c_str(), nullptr, 16)));
            i += 5;
        } else {
            out.push_back(simple_escape(in[++i]));
        }
    }
    return out;
}

}  // namespace devserver
