// Small signed integers times field elements without full field multiplications (DESIGN.md section 2: "a small
// integer times a field element must not cost a full field multiplication").
//
// Fr keeps an element f as the limbs of f R mod r, R = 2^256 (Montgomery form). A sum S = sum_i v_i f_i with
// signed 64-bit v_i is accumulated as the plain non-negative integer
//     A = sum_i |v_i| * F_i^(sign v_i),    F^+ = f 2^(64 K) R mod r,   F^- = r - F^+ (= -f 2^(64 K) R mod r)
// (ScaledFr<K> holds both: one field multiplication per f, reused across a row or column). The sign of v_i only
// selects which limbs to multiply, so each term is a 64 x 256-bit product (four 64-bit multiplications) added into
// a 384-bit accumulator, never reduced. reduce() applies K rounds of word-by-word Montgomery reduction,
// REDC_K(A) = A 2^(-64 K) mod r = sum_i v_i f_i R mod r, which is exactly the Montgomery form of S, so the result
// is an Fr with no further conversion.
//
// Bounds (|v_i| <= 2^63, F < r < 2^255, so every term is below 2^318):
//   K = 4: REDC_4 needs A < 2^384: up to 2^65 terms. One reduction costs about one field multiplication, so long
//          sums (dot products, weighted sums of rows) cost four 64-bit multiplications per term.
//   K = 1: REDC_1 needs A <= 2^64 r: AT MOST TWO TERMS. Used where each output has one or two terms (int -> Fr
//          conversion, binding a variable of an integer table): about half a field multiplication per output.
// The factor 2^(64 K) folded into F is what lets REDC_K return a Montgomery form; mixing ScaledFr<K> with
// IntFrSum<K'> for K != K' is prevented by the types.
//
// Cross-checked against blst's Fr in tests/poly/small_mul_test.cpp, including the extreme values.
#pragma once

#include <array>
#include <cstdint>

#include "zklora/base/types.h"
#include "zklora/field/fr.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace zklora {

namespace small_mul_detail {

// r as little-endian limbs.
inline constexpr std::array<uint64_t, 4> kR = {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL, 0x3339d80809a1d805ULL,
                                               0x73eda753299d7d48ULL};

// -r^-1 mod 2^64, by Newton iteration (each step doubles the number of correct low bits).
constexpr uint64_t neg_inverse_mod_2_64(uint64_t r0) {
  uint64_t inv = 1;
  for (int i = 0; i < 7; ++i) inv *= 2 - r0 * inv;
  return 0 - inv;
}
inline constexpr uint64_t kN0 = neg_inverse_mod_2_64(kR[0]);
static_assert(kN0 * kR[0] == ~uint64_t{0}, "n0 * r0 = -1 mod 2^64");

// 2^(64 K) mod r as a field element.
const Fr& two_pow_64k(unsigned k);

// out = a + b + carry_in; returns the carry out.
inline unsigned char add_carry(unsigned char carry_in, uint64_t a, uint64_t b, uint64_t* out) {
#if defined(__x86_64__)
  unsigned long long o;
  const unsigned char c = _addcarry_u64(carry_in, a, b, &o);
  *out = o;
  return c;
#else
  const u128 t = static_cast<u128>(a) + b + carry_in;
  *out = static_cast<uint64_t>(t);
  return static_cast<unsigned char>(t >> 64);
#endif
}

}  // namespace small_mul_detail

// F^+ = f 2^(64 K) R mod r and F^- = r - F^+ (zero for f = 0) as limbs: a multiplicand prepared for IntFrSum<K>.
template <unsigned K>
struct ScaledFr {
  static_assert(K == 1 || K == 4, "K = 1 (at most two terms) or K = 4 (long sums)");
  uint64_t l[2][4] = {};  // l[0] = F^+, l[1] = F^-

  static ScaledFr from(const Fr& f) {
    const Fr s = f * small_mul_detail::two_pow_64k(K);
    const Fr n = -s;  // r - F^+, or 0
    ScaledFr out;
    for (size_t i = 0; i < 4; ++i) {
      out.l[0][i] = s.raw().l[i];
      out.l[1][i] = n.raw().l[i];
    }
    return out;
  }
};

// sum_i v_i * f_i for signed 64-bit v_i, accumulated unreduced (see the bounds above).
template <unsigned K>
class IntFrSum {
 public:
  // The largest number of add() calls reduce() is correct for.
  static constexpr uint64_t kMaxTerms = K == 1 ? 2 : (uint64_t{1} << 63);

  void add(int64_t v, const ScaledFr<K>& f) {
    using small_mul_detail::add_carry;
    const uint64_t neg = static_cast<uint64_t>(v >> 63);            // all ones when v < 0
    const uint64_t m = (static_cast<uint64_t>(v) ^ neg) - neg;      // |v|, also for INT64_MIN
    const uint64_t* F = f.l[neg & 1];
    const u128 t0 = static_cast<u128>(m) * F[0], t1 = static_cast<u128>(m) * F[1];
    const u128 t2 = static_cast<u128>(m) * F[2], t3 = static_cast<u128>(m) * F[3];
    uint64_t p1, p2, p3;
    unsigned char c = add_carry(0, static_cast<uint64_t>(t0 >> 64), static_cast<uint64_t>(t1), &p1);
    c = add_carry(c, static_cast<uint64_t>(t1 >> 64), static_cast<uint64_t>(t2), &p2);
    c = add_carry(c, static_cast<uint64_t>(t2 >> 64), static_cast<uint64_t>(t3), &p3);
    const uint64_t p4 = static_cast<uint64_t>(t3 >> 64) + c;  // |v| F < 2^318: no carry out
    uint64_t a0, a1, a2, a3, a4;  // locals, so that the compiler keeps the accumulator in registers
    c = add_carry(0, a_[0], static_cast<uint64_t>(t0), &a0);
    c = add_carry(c, a_[1], p1, &a1);
    c = add_carry(c, a_[2], p2, &a2);
    c = add_carry(c, a_[3], p3, &a3);
    c = add_carry(c, a_[4], p4, &a4);
    a_[0] = a0, a_[1] = a1, a_[2] = a2, a_[3] = a3, a_[4] = a4;
    a_[5] += c;
  }

  // Adds another accumulator (sums of partial sums; the bound applies to the total number of terms).
  void add(const IntFrSum& o) {
    unsigned char c = 0;
    for (size_t i = 0; i < 6; ++i) c = small_mul_detail::add_carry(c, a_[i], o.a_[i], &a_[i]);
  }

  // The sum as a field element: K words of Montgomery reduction and one conditional subtraction.
  Fr reduce() const {
    using small_mul_detail::kN0;
    using small_mul_detail::kR;
    uint64_t a[8] = {a_[0], a_[1], a_[2], a_[3], a_[4], a_[5], 0, 0};
    for (unsigned i = 0; i < K; ++i) {
      const uint64_t m = a[i] * kN0;  // makes word i vanish: a + m r 2^(64 i) = 0 mod 2^(64 (i + 1))
      u128 c = 0;
      for (unsigned j = 0; j < 4; ++j) {
        c += static_cast<u128>(m) * kR[j] + a[i + j];
        a[i + j] = static_cast<uint64_t>(c);
        c >>= 64;
      }
      for (unsigned j = i + 4; j < 8; ++j) {
        c += a[j];
        a[j] = static_cast<uint64_t>(c);
        c >>= 64;
      }
    }
    // The result a[K..K+3] is at most 2r - 1 < 2^256: subtract r once if needed.
    uint64_t s[4];
    uint64_t borrow = 0;
    for (unsigned j = 0; j < 4; ++j) {
      const u128 d = static_cast<u128>(a[K + j]) - kR[j] - borrow;
      s[j] = static_cast<uint64_t>(d);
      borrow = static_cast<uint64_t>(d >> 64) & 1;
    }
    blst_fr out;
    for (unsigned j = 0; j < 4; ++j) out.l[j] = borrow ? a[K + j] : s[j];
    return Fr::from_raw(out);
  }

 private:
  uint64_t a_[6] = {0, 0, 0, 0, 0, 0};
};

// v as a field element by one K = 1 product with the prepared 1: about half the cost of Fr::from_i64.
inline Fr int_to_fr(int64_t v) {
  static const ScaledFr<1> one = ScaledFr<1>::from(Fr::one());
  IntFrSum<1> s;
  s.add(v, one);
  return s.reduce();
}

// v0 f0 + v1 f1 with prepared f0, f1 (K = 1): the binding of one variable of an integer table.
inline Fr int_lincomb2(int64_t v0, const ScaledFr<1>& f0, int64_t v1, const ScaledFr<1>& f1) {
  IntFrSum<1> s;
  s.add(v0, f0);
  s.add(v1, f1);
  return s.reduce();
}

}  // namespace zklora
