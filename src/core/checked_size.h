/* SPDX-License-Identifier: MIT */
// Size arithmetic that cannot wrap. A CheckedSize carries a size_t and a
// flag: once a step does not fit size_t the flag sticks and value() is
// SIZE_MAX. Used for the memory layout (Client::required_bytes), whose inputs
// are caller-chosen Config knobs: on a 32-bit target their products exceed
// size_t long before any knob reaches its type's maximum.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {

class CheckedSize {
  public:
    constexpr CheckedSize() = default;
    constexpr explicit CheckedSize(size_t n) : value_(n) {}

    /// False once any step overflowed.
    constexpr bool fits() const { return !overflow_; }
    /// The exact result, or SIZE_MAX when it does not fit size_t.
    constexpr size_t value() const { return overflow_ ? SIZE_MAX : value_; }

    constexpr CheckedSize& add(CheckedSize n) {
        overflow_ = overflow_ || n.overflow_ || __builtin_add_overflow(value_, n.value_, &value_);
        return *this;
    }
    constexpr CheckedSize& add(size_t n) { return add(CheckedSize(n)); }
    constexpr CheckedSize& times(size_t n) {
        overflow_ = overflow_ || __builtin_mul_overflow(value_, n, &value_);
        return *this;
    }
    /// Rounds up to a multiple of `align` (a power of two).
    constexpr CheckedSize& align_up(size_t align) {
        add(align - 1);
        value_ &= ~(align - 1);
        return *this;
    }

  private:
    size_t value_ = 0;
    bool overflow_ = false;
};

}  // namespace consensus
