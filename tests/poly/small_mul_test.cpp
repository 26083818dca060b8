// Small-integer times field products: every accumulator and conversion against blst's Fr arithmetic, with the
// extreme values of both operands (INT64_MIN, INT64_MAX, r - 1) that the bounds in small_mul.h are about.
#include "zklora/poly/small_mul.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

namespace zklora {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::vector<int64_t> interesting_ints(std::mt19937_64& gen, size_t n) {
  std::vector<int64_t> v = {0, 1, -1, kMin, kMax, kMin + 1, 2, -2, int64_t{1} << 62, -(int64_t{1} << 62)};
  while (v.size() < n) {
    const unsigned bits = static_cast<unsigned>(gen() % 64) + 1;
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    v.push_back(static_cast<int64_t>(gen() & mask) * ((gen() & 1) ? 1 : -1));
  }
  return v;
}

std::vector<Fr> interesting_frs(std::mt19937_64& gen, size_t n) {
  std::vector<Fr> v = {Fr::zero(), Fr::one(), -Fr::one(), Fr::from_u64(2), -Fr::from_u64(2)};
  while (v.size() < n) v.push_back(Fr::random(gen));
  return v;
}

TEST(SmallMul, IntToFrMatchesFromI64) {
  std::mt19937_64 gen(1);
  for (const int64_t v : interesting_ints(gen, 2000)) EXPECT_EQ(int_to_fr(v), Fr::from_i64(v)) << v;
}

TEST(SmallMul, TwoTermSumsMatchFieldArithmetic) {
  std::mt19937_64 gen(2);
  const auto ints = interesting_ints(gen, 300);
  const auto frs = interesting_frs(gen, 300);
  for (size_t i = 0; i < ints.size(); ++i) {
    for (size_t j : {size_t{0}, size_t{2}, (i * 7) % frs.size()}) {
      const int64_t v0 = ints[i], v1 = ints[(i * 13 + 5) % ints.size()];
      const Fr f0 = frs[j], f1 = frs[(j + i) % frs.size()];
      const Fr expect = Fr::from_i64(v0) * f0 + Fr::from_i64(v1) * f1;
      EXPECT_EQ(int_lincomb2(v0, ScaledFr<1>::from(f0), v1, ScaledFr<1>::from(f1)), expect) << v0 << " " << v1;
    }
  }
  // The bound's worst case: |v| = 2^63 twice against r - 1.
  const Fr m1 = -Fr::one();
  const auto s = ScaledFr<1>::from(m1);
  EXPECT_EQ(int_lincomb2(kMin, s, kMin, s), Fr::from_i64(kMin) * m1 * Fr::from_u64(2));
  EXPECT_EQ(int_lincomb2(kMax, s, kMax, s), Fr::from_i64(kMax) * m1 * Fr::from_u64(2));
}

TEST(SmallMul, LongSumsMatchFieldArithmetic) {
  std::mt19937_64 gen(3);
  for (const size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{17}, size_t{1000}, size_t{20000}}) {
    const auto ints = interesting_ints(gen, std::max<size_t>(n, 10));
    const auto frs = interesting_frs(gen, std::max<size_t>(n, 5));
    IntFrSum<4> acc;
    Fr expect;
    for (size_t i = 0; i < n; ++i) {
      acc.add(ints[i], ScaledFr<4>::from(frs[i]));
      expect += Fr::from_i64(ints[i]) * frs[i];
    }
    EXPECT_EQ(acc.reduce(), expect) << "n " << n;
  }
}

TEST(SmallMul, ExtremeLongSums) {
  // 4096 terms of the largest magnitude with the largest multiplicand, both signs: far beyond 2^320, within
  // the 384-bit accumulator.
  const Fr m1 = -Fr::one();
  const auto s = ScaledFr<4>::from(m1);
  for (const int64_t v : {kMin, kMax}) {
    IntFrSum<4> acc;
    for (int i = 0; i < 4096; ++i) acc.add(v, s);
    EXPECT_EQ(acc.reduce(), Fr::from_i64(v) * m1 * Fr::from_u64(4096));
  }
  // Cancellation to exactly zero, and to a negative total.
  const Fr f = Fr::from_u64(12345);
  IntFrSum<4> acc;
  acc.add(kMax, ScaledFr<4>::from(f));
  acc.add(-kMax, ScaledFr<4>::from(f));
  EXPECT_EQ(acc.reduce(), Fr::zero());
  IntFrSum<4> zero_f;  // f = 0 with both signs
  zero_f.add(kMin, ScaledFr<4>::from(Fr::zero()));
  zero_f.add(kMax, ScaledFr<4>::from(Fr::zero()));
  EXPECT_EQ(zero_f.reduce(), Fr::zero());
  acc.add(-3, ScaledFr<4>::from(f));
  EXPECT_EQ(acc.reduce(), -(f * Fr::from_u64(3)));
}

TEST(SmallMul, AddingAccumulatorsAddsSums) {
  std::mt19937_64 gen(4);
  const auto ints = interesting_ints(gen, 400);
  const auto frs = interesting_frs(gen, 400);
  IntFrSum<4> a, b, all;
  for (size_t i = 0; i < 400; ++i) {
    (i % 3 == 0 ? a : b).add(ints[i], ScaledFr<4>::from(frs[i]));
    all.add(ints[i], ScaledFr<4>::from(frs[i]));
  }
  a.add(b);
  EXPECT_EQ(a.reduce(), all.reduce());
}

}  // namespace
}  // namespace zklora
