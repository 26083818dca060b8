// Fr: the scalar field of BLS12-381, r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001
// (about 2^254.86), the field every proof of the project works in (DESIGN.md section 2).
//
// A value type over blst's blst_fr: four 64-bit limbs in Montgomery form, always fully reduced, so equality is
// limb equality. Arithmetic calls blst (constant time). Conversions:
//   - signed integers map to the field as v -> v mod r (negative v becomes r - |v|);
//   - to_i64 / to_i128 invert that for values whose signed representative fits, and fail with
//     NOT_SMALL_INTEGER otherwise;
//   - the canonical encoding is 32 bytes little-endian of the representative in [0, r); decoding rejects
//     values >= r with NON_CANONICAL_FIELD, so every element has exactly one encoding.
// The inverse of zero is defined as zero (blst's convention); batch_inverse leaves zeros in place.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "blst.h"
#include "zklora/base/error.h"
#include "zklora/base/types.h"

namespace zklora {

class Fr {
 public:
  static constexpr size_t kBytes = 32;       // canonical encoding size
  static constexpr size_t kWideBytes = 64;   // input size of from_wide_bytes (bias below 2^-128)
  static constexpr unsigned kBits = 255;     // bit length of r

  constexpr Fr() : v_{} {}  // zero

  static Fr zero() { return Fr(); }
  static Fr one();

  static Fr from_u64(uint64_t v);
  static Fr from_i64(int64_t v);
  static Fr from_u128(u128 v);
  static Fr from_i128(i128 v);

  // The signed representative s with s = this mod r, if it lies in [-2^63, 2^63) (resp. [-2^127, 2^127)).
  Result<int64_t> to_i64() const;
  Result<i128> to_i128() const;

  // The representative in [0, r) as little-endian 64-bit limbs.
  std::array<uint64_t, 4> to_limbs() const;
  // Fails with NON_CANONICAL_FIELD if the limbs encode a value >= r.
  static Result<Fr> from_limbs(const std::array<uint64_t, 4>& limbs);

  std::array<uint8_t, kBytes> to_bytes() const;
  // Exactly kBytes bytes (BAD_LENGTH otherwise), value < r (NON_CANONICAL_FIELD otherwise).
  static Result<Fr> from_bytes(std::span<const uint8_t> bytes);
  // A 512-bit little-endian integer reduced mod r: the uniform map used for challenges and random elements.
  static Fr from_wide_bytes(std::span<const uint8_t, kWideBytes> bytes);

  // Uniform from the operating system's cryptographic generator (blinding factors).
  static Fr random();
  // Uniform from a caller's generator of 64-bit words (tests, reproducible benchmarks).
  template <class Urbg>
  static Fr random(Urbg& gen) {
    std::array<uint8_t, kWideBytes> bytes{};
    for (size_t i = 0; i < kWideBytes; i += 8) {
      const uint64_t w = static_cast<uint64_t>(gen());
      for (size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<uint8_t>(w >> (8 * j));
    }
    return from_wide_bytes(bytes);
  }

  bool is_zero() const { return (v_.l[0] | v_.l[1] | v_.l[2] | v_.l[3]) == 0; }
  bool is_one() const;

  Fr operator+(const Fr& o) const;
  Fr operator-(const Fr& o) const;
  Fr operator*(const Fr& o) const;
  Fr operator-() const;
  Fr& operator+=(const Fr& o);
  Fr& operator-=(const Fr& o);
  Fr& operator*=(const Fr& o);
  bool operator==(const Fr& o) const;
  bool operator!=(const Fr& o) const { return !(*this == o); }

  Fr square() const;
  Fr dbl() const;
  // this^-1, and zero for zero.
  Fr inverse() const;
  Fr pow(uint64_t e) const;
  // Exponent as little-endian 64-bit limbs.
  Fr pow(const std::array<uint64_t, 4>& e) const;

  // Decimal representative in [0, r), for messages and debugging.
  std::string to_string() const;

  const blst_fr& raw() const { return v_; }
  blst_fr& raw() { return v_; }
  static Fr from_raw(const blst_fr& v) {
    Fr f;
    f.v_ = v;
    return f;
  }

 private:
  blst_fr v_;
};

// Replaces every non-zero element by its inverse, zeros stay zero: one field inversion per chunk plus three
// multiplications per element (Montgomery's trick), chunks on up to `threads` threads (0: default).
void batch_inverse(std::span<Fr> xs, int threads = 0);

// The modulus r as little-endian limbs.
const std::array<uint64_t, 4>& fr_modulus();

}  // namespace zklora
