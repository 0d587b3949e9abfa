// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing
// above U+10FFFF) for text messages that arrive in pieces and for close
// reasons. No allocation; 3 bytes of state.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus::ws {

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

}  // namespace consensus::ws
