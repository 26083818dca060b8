// Integer primitives of the fixed-point semantics (docs/fixed_point.md section 2): the one rounding rule, exact
// division with a bounded remainder, and the integer square root relations. Every non-arithmetic step of the
// engine reduces to these, and each is a relation a proof can check with range checks:
//
//   round_shift(x, s) = floor((x + 2^(s-1)) / 2^s)      remainder x + 2^(s-1) - q 2^s in [0, 2^s)
//   div_round(a, b)   = floor((2a + b) / (2b)), b > 0   remainder 2a + b - 2qb in [0, 2b)
//   isqrt(v)          = max s >= 0 with s^2 <= v          v - s^2 in [0, 2s]
//   rsqrt_scaled(v, n) = max r >= 0 with r^2 v <= n      n - r^2 v in [0, (2r+1) v)
//
// Rounding is to nearest with ties toward +infinity, for negative values too (floor, not truncation).
#pragma once

#include <cstdint>

#include "zklora/base/error.h"
#include "zklora/base/types.h"

namespace zklora {

// floor(x / 2^s) for signed x (arithmetic shift).
inline i128 floor_shift(i128 x, unsigned s) { return x >> s; }

inline i128 round_shift(i128 x, unsigned s) {
  if (s == 0) return x;
  return (x + (i128{1} << (s - 1))) >> s;
}

inline int64_t round_shift64(int64_t x, unsigned s) {
  if (s == 0) return x;
  return (x + (int64_t{1} << (s - 1))) >> s;
}

// floor(a / b) for b > 0.
inline i128 floor_div(i128 a, i128 b) {
  i128 q = a / b;
  if ((a % b) != 0 && a < 0) --q;
  return q;
}

inline i128 div_round(i128 a, i128 b) { return floor_div(2 * a + b, 2 * b); }

// floor(sqrt(v)) for v >= 0.
u128 isqrt(u128 v);

// max r >= 0 with r^2 * v <= n, for v > 0 and n >= 0 (the scaled reciprocal square root of RMSNorm).
u128 rsqrt_scaled(u128 v, u128 n);

[[noreturn]] void throw_out_of_format(const char* what, unsigned bits);

// Throws ZkError(OUT_OF_RANGE) naming `what` unless |x| < 2^bits.
inline void check_bits(i128 x, unsigned bits, const char* what) {
  const i128 bound = i128{1} << bits;
  if (x >= bound || x <= -bound) throw_out_of_format(what, bits);
}

inline int64_t to_i64_checked(i128 x, const char* what) {
  check_bits(x, 62, what);
  return static_cast<int64_t>(x);
}

}  // namespace zklora
