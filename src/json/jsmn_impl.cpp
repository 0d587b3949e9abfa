// SPDX-License-Identifier: MIT
// The one translation unit that compiles jsmn's functions. JSMN_STRICT only
// changes the function bodies (not jsmntok_t), so defining it here alone is
// safe: every user gets the stricter tokenizer (quoted keys, no junk values).
#define JSMN_STRICT
#include <jsmn.h>
