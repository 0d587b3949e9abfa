/* SPDX-License-Identifier: MIT */
// Server-provided text for a human reading a terminal. Control characters
// in it could move the cursor, erase lines or rewrite what was printed (a
// hostile server turned an error into "OK: session opened" with ESC[2K and
// a carriage return), so the human output writes every server string through
// write_terminal_text. The scheme (README "The command-line tools"):
//
//   \        ->  \\             (so every backslash in the output starts an escape)
//   LF CR TAB -> \n \r \t
//   other C0 controls (0x00-0x1F) and DEL (0x7F) -> \xNN (two lowercase hex digits)
//   C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F) -> \u0080..\u009f
//   a byte that does not start valid UTF-8 -> \xNN
//   everything else (printable ASCII, valid UTF-8) -> as is
//
// The output holds no control byte and no newline: one value stays on its line.
#pragma once

#include <stddef.h>
#include <stdio.h>

namespace consensus {
namespace cli {

/// Writes data[0, size) escaped as above. A nullptr writes nothing.
void write_terminal_text(FILE* f, const char* data, size_t size);
/// Same for a NUL-terminated string (nullptr writes nothing).
void write_terminal_cstr(FILE* f, const char* s);

}  // namespace cli
}  // namespace consensus
