/* SPDX-License-Identifier: MIT */
// UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), one
// module for the library and its tools: incremental validation for text
// messages that arrive in pieces and for close reasons, the length of one
// valid sequence (for escaping output), a lead byte's claimed length (for
// cutting text on a character boundary), and encoding a code point (JSON's
// \u escapes). No allocation; the validator has 3 bytes of state.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {

class Utf8Validator {
  public:
    /// Back to the start of a new text (no partial sequence pending).
    void reset() {
        need_ = 0;
        lo_ = kContLo;
        hi_ = kContHi;
    }
    /// Checks the next n bytes. False at the first invalid byte; once false it
    /// stays false until reset(). A sequence may be split across calls.
    bool feed(const uint8_t* p, size_t n);
    /// True when everything fed so far is valid and no sequence is left open.
    bool complete() const { return need_ == 0; }

  private:
    static constexpr uint8_t kContLo = 0x80;
    static constexpr uint8_t kContHi = 0xBF;
    static constexpr uint8_t kFailed = 0xFF;  // sticky error marker in need_

    bool start_sequence(uint8_t lead);

    uint8_t need_ = 0;      // continuation bytes still expected (or kFailed)
    uint8_t lo_ = kContLo;  // allowed range of the NEXT continuation byte
    uint8_t hi_ = kContHi;
};

/// One-shot check of a complete text.
bool utf8_valid(const uint8_t* p, size_t n);

/// Length (1 to 4) of the valid UTF-8 sequence at p, 0 when the bytes there
/// are not one (a bad lead or continuation byte, an overlong form, a
/// surrogate, above U+10FFFF) or avail ends inside it.
size_t utf8_sequence_length(const uint8_t* p, size_t avail);

/// The length a sequence starting with `lead` claims (2 to 4), 1 for ASCII
/// and for a byte that starts no sequence; nothing is checked beyond it.
size_t utf8_lead_length(uint8_t lead);

/// Writes code point cp (<= 0x10FFFF) as UTF-8 to buf (room for 4 bytes);
/// returns its length.
size_t utf8_encode(uint32_t cp, char* buf);

}  // namespace consensus
