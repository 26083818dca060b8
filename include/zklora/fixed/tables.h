// The function tables of the fixed-point semantics (docs/fixed_point.md section 3), generated here from their
// formulas, once, and used by both the engine and the prover. No table has more than 2^16 entries.
//
//   EXP_LO[j] = round(2^exp * e^(-j / 2^16)),          j in [0, 2^16)   (fractional digit of a softmax gap)
//   EXP_HI[j] = round(2^exp * e^(-j)),                 j in [0, 2^16)   (integer digit; zero from j = 15 on)
//   SIGMOID[j] = round(2^unit * sigma(j / 2^11)),      j in [-2^15, 2^15), stored at index j + 2^15
//   LOG[j] = round(2^act * ln(j / 2^15)),              j in [2^15, 2^16), stored at index j - 2^15
//   POW2[k] = 2^k,                                     k in [0, 63)     (the scale of log_fixed's mantissa)
//
// The values are computed in double precision and rounded to nearest (ties away from zero, std::llround); the
// rounding boundary is never within 1e-9 of a double result for these tables (checked by a test), so every
// platform with IEEE doubles and a faithful libm produces the same integers.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace zklora {

inline constexpr int64_t kTableSize = int64_t{1} << 16;
inline constexpr int64_t kSigmoidMin = -(int64_t{1} << 15);  // first index of SIGMOID
inline constexpr unsigned kSigmoidShift = 5;                  // SiLU inputs are rounded by 2^5 to index SIGMOID
inline constexpr int64_t kLogMin = int64_t{1} << 15;          // first argument of LOG
inline constexpr int64_t kPow2Count = 63;                     // POW2[k] = 2^k for k in [0, 63)

std::span<const int64_t> exp_lo_table();
std::span<const int64_t> exp_hi_table();
std::span<const int64_t> sigmoid_table();
std::span<const int64_t> log_table();
std::span<const int64_t> pow2_table();

// e^(-d / 2^act) at scale 2^exp, for a gap d >= 0 at scale 2^act:
//   round_shift(EXP_LO[d mod 2^16] * EXP_HI[d div 2^16], exp). d >= 2^32 is out of format (OUT_OF_RANGE).
int64_t exp_neg(int64_t d);

// sigma(x) at scale 2^unit for x at scale 2^act: SIGMOID[clamp(round_shift(x, 5), -2^15, 2^15 - 1)].
int64_t sigmoid_fixed(int64_t x);

// ln(s / 2^exp) at scale 2^act for s >= 1: with k = bit_length(s) - 16 and mantissa m = floor(s / 2^k) in
// [2^15, 2^16) (for s < 2^15, k < 0 and m = s * 2^-k):  LOG[m] + (k + 15 - exp) * round(ln2 * 2^act).
int64_t log_fixed(int64_t s);

// The decomposition log_fixed reads for s >= 2^15: s = mantissa 2^k + remainder with k = bit_length(s) - 16 >= 0,
// mantissa in [2^15, 2^16), remainder in [0, 2^k). ZkError INVALID_ARGUMENT for s < 2^15.
struct LogParts {
  int64_t k = 0;
  int64_t mantissa = 0;
  int64_t remainder = 0;
};
LogParts log_fixed_parts(int64_t s);
// round(ln 2 * 2^act): log_fixed(s) = LOG[mantissa] + (k + 15 - exp) * kLn2Fixed.
int64_t ln2_fixed();

// RoPE: cos and sin of pos * theta^(-2i / head_dim) at scale 2^trig, for pos < max_seq and i < head_dim / 2,
// row-major (pos, i).
struct RopeTable {
  int64_t max_seq = 0;
  int64_t half = 0;
  std::vector<int64_t> cos;
  std::vector<int64_t> sin;
};
RopeTable make_rope_table(int64_t max_seq, int64_t head_dim, double theta);

}  // namespace zklora
