// SPDX-License-Identifier: MIT
// json_escape_ascii: the one JSON string escape of the library and its tools.
#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"
#include "json/json.h"

using consensus::json_escape_ascii;

TEST_GROUP(json_escape){};

TEST(json_escape, ShortFormsControlsAndPassThrough) {
    char out[7];
    const struct {
        uint8_t c;
        const char* esc;
    } cases[] = {{'"', "\\\""},     {'\\', "\\\\"},   {'\n', "\\n"}, {'\r', "\\r"},
                 {'\t', "\\t"},     {'\b', "\\b"},    {'\f', "\\f"}, {0x00, "\\u0000"},
                 {0x1f, "\\u001f"}, {0x01, "\\u0001"}};
    for (const auto& k : cases) {
        LONGS_EQUAL(strlen(k.esc), json_escape_ascii(k.c, false, out));
        STRCMP_EQUAL(k.esc, out);
    }
    for (unsigned c = 0x20; c < 0x80; ++c) {
        if (c == '"' || c == '\\') continue;
        LONGS_EQUAL(c == 0x7f ? 6 : 0, json_escape_ascii(static_cast<uint8_t>(c), true, out));
        LONGS_EQUAL(0, json_escape_ascii(static_cast<uint8_t>(c), false, out));
    }
    json_escape_ascii(0x7f, true, out);
    STRCMP_EQUAL("\\u007f", out);
}
