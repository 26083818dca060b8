// Deterministic SplitMix64 streams, the project's own logarithm and the polar method; see deterministic_rng.h
// for why nothing here calls the C library's transcendental functions.
#include "zklora/model/deterministic_rng.h"

#include <bit>
#include <cmath>

#include "zklora/base/types.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace zklora {

uint64_t SplitMix64::below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64); }

double det_log(double x) {
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)), read from the bits (exact; subnormals are scaled up first).
  uint64_t bits = std::bit_cast<uint64_t>(x);
  int e = 0;
  if ((bits >> 52) == 0) {
    bits = std::bit_cast<uint64_t>(x * 0x1p54);
    e = -54;
  }
  e += static_cast<int>(bits >> 52) - 1023;
  double m = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);  // [1, 2)
  if (m >= 0x1.6a09e667f3bcdp0) {  // sqrt(2)
    m *= 0.5;
    e += 1;
  }
  const double t = (m - 1.0) / (m + 1.0);  // |t| <= 0.1716
  // 2 atanh(t) = 2 t (c0 + c1 y + ... + c9 y^9), y = t^2, c_k = 1 / (2k + 1), evaluated by Estrin's scheme for a
  // short dependency chain; the first omitted term is below 2^-53 of the sum.
  constexpr double c[10] = {1.0,       1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,
                            1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19};
  const double y = t * t, y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
  const double q0 = c[0] + c[1] * y, q1 = c[2] + c[3] * y, q2 = c[4] + c[5] * y, q3 = c[6] + c[7] * y,
               q4 = c[8] + c[9] * y;
  const double p = (q0 + q1 * y2) + (q2 + q3 * y2) * y4 + q4 * y8;
  constexpr double kLn2 = 0x1.62e42fefa39efp-1;
  return static_cast<double>(e) * kLn2 + 2.0 * t * p;
}

double NormalStream::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  constexpr double kScale = 0x1p-52;
  while (true) {
    const double u = static_cast<double>(rng_.next() >> 11) * kScale - 1.0;  // [-1, 1), exact
    const double v = static_cast<double>(rng_.next() >> 11) * kScale - 1.0;
    const double s = u * u + v * v;
    if (s <= 0.0 || s >= 1.0) continue;
    const double f = std::sqrt(-2.0 * det_log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }
}

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

uint64_t tensor_block_key(uint64_t seed, std::string_view name, uint64_t block) {
  return SplitMix64::mix(SplitMix64::mix(seed ^ fnv1a64(name)) + 0x9E3779B97F4A7C15ULL * (block + 1));
}

void normal_fill(uint64_t seed, std::string_view name, uint64_t first, std::span<float> out, double stddev) {
  uint64_t i = first;
  size_t j = 0;
  while (j < out.size()) {
    const uint64_t block = i / kNormalBlock;
    NormalStream stream(tensor_block_key(seed, name, block));
    for (uint64_t skip = block * kNormalBlock; skip < i; ++skip) (void)stream.next();
    const uint64_t block_end = (block + 1) * kNormalBlock;
    for (; i < block_end && j < out.size(); ++i, ++j) out[j] = static_cast<float>(stddev * stream.next());
  }
}

}  // namespace zklora
