// Deterministic SplitMix64 streams, the project's own logarithm and the polar method; see deterministic_rng.h
// for why nothing here calls the C library's transcendental functions.
#include "zklora/model/deterministic_rng.h"

#include <cmath>

#include "zklora/base/types.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace zklora {

uint64_t SplitMix64::below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64); }

double det_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);    // x = m 2^e, m in [1/2, 1); exact
  if (m < 0x1.6a09e667f3bcdp-1) {  // sqrt(1/2)
    m *= 2.0;
    e -= 1;
  }
  const double t = (m - 1.0) / (m + 1.0);  // |t| <= 0.1716
  const double t2 = t * t;
  constexpr int kTerms = 13;
  double p = 1.0 / (2 * kTerms - 1);
  for (int k = kTerms - 2; k >= 0; --k) p = p * t2 + 1.0 / (2 * k + 1);
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
