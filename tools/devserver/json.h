/* SPDX-License-Identifier: MIT */
// Minimal JSON for the dev server: writing strings and numbers the way
// JavaScript's JSON.stringify does, and reading objects through jsmn.
#pragma once

#include <string>
#include <vector>

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

namespace devserver {

// `s` as a JSON string literal, quotes included (JSON.stringify escaping).
std::string json_quote(const std::string& s);

// A double formatted like JavaScript's Number#toString for the range the
// server produces (no exponent form: values stay between 1e-6 and 1e21).
std::string js_number(double v);

// Math.round(v * 1e4) / 1e4, as the reference server rounds usage figures.
double round4(double v);

// A parsed JSON document (strict jsmn). Token indexes refer to tokens().
class JsonDoc {
  public:
    // Parses `text`; false when it is not a single JSON value.
    bool parse(const std::string& text);
    // Index of the value of `key` in object token `obj`, or -1.
    int find(int obj, const char* key) const;
    bool is_object(int t) const { return t >= 0 && tokens_[t].type == JSMN_OBJECT; }
    bool is_string(int t) const { return t >= 0 && tokens_[t].type == JSMN_STRING; }
    bool is_primitive(int t) const { return t >= 0 && tokens_[t].type == JSMN_PRIMITIVE; }
    // Raw text of token `t` (strings: without quotes, escapes undecoded).
    std::string raw(int t) const;
    // Decoded string value of string token `t` (escapes resolved to UTF-8).
    std::string str(int t) const;

  private:
    int skip(int t) const;  // index of the token after `t` and all its children
    std::string text_;
    std::vector<jsmntok_t> tokens_;
};

}  // namespace devserver
