// Deterministic random numbers that are the same bits on every machine: the generator behind the random-weight
// checkpoints of `zklora init-model`, the built-in corpus, and anything else that must be reproducible from a seed.
//
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a 64-bit
// counter advanced by the golden-ratio increment and passed through a fixed 64-bit finalizer.
//
// Normal deviates use Marsaglia's polar method. Its one transcendental function, the natural logarithm, is
// computed here with +, -, *, / and bit manipulation only (det_log), never with the C library's log, because libm results
// may differ in the last bit between implementations; sqrt and the basic operations are correctly rounded by
// IEEE 754, so the deviates are bit-identical on any IEEE 754 machine that does not fuse multiply-adds in this
// file (GCC in ISO mode does not; the implementation file turns contraction off for Clang).
//
// Tensor values (normal_fill): element i of the tensor named N, for seed S, is the (i mod 65536)-th deviate of the
// polar method run on the SplitMix64 stream whose state starts at tensor_block_key(S, N, i / 65536). Blocks are
// independent, so a tensor is filled in any order, on any number of threads, with the same result.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace zklora {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix(state_);
  }
  // Uniform in [0, n) for n >= 1, by the high half of a 64x64-bit product (Lemire), without rejection: the bias
  // is below n / 2^64, irrelevant for the sizes used here.
  uint64_t below(uint64_t n);
  // The SplitMix64 finalizer (a bijection of 64-bit words).
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Natural logarithm of finite x > 0 with only exactly specified operations: x = m 2^e with m in
// [sqrt(1/2), sqrt(2)) read from the bits, ln x = e ln 2 + 2 atanh((m - 1) / (m + 1)), the atanh series summed
// to 10 terms in a fixed order (within a few units in the last place of libm's log).
double det_log(double x);

// Standard normal deviates from a SplitMix64 stream by Marsaglia's polar method: draw u, v = k 2^-52 - 1 from
// the top 53 bits of two words, reject unless 0 < s = u^2 + v^2 < 1, return u f then v f with
// f = sqrt(-2 ln(s) / s).
class NormalStream {
 public:
  explicit NormalStream(uint64_t state) : rng_(state) {}
  double next();

 private:
  SplitMix64 rng_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// 64-bit FNV-1a of a string.
uint64_t fnv1a64(std::string_view s);

inline constexpr uint64_t kNormalBlock = 65536;

// The starting state of block `block` of tensor `name` under `seed`:
// mix(mix(seed ^ fnv1a64(name)) + 0x9E3779B97F4A7C15 * (block + 1)).
uint64_t tensor_block_key(uint64_t seed, std::string_view name, uint64_t block);

// out[j] = (float)(stddev * z(first + j)) where z(i) is the tensor's i-th deviate as described above.
void normal_fill(uint64_t seed, std::string_view name, uint64_t first, std::span<float> out, double stddev);

}  // namespace zklora
