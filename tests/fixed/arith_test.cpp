// The integer primitives: rounding, division with remainder, integer square roots, and the format bound.
#include "zklora/fixed/arith.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace zklora {
namespace {

TEST(Arith, RoundShiftRoundsToNearestWithTiesUp) {
  EXPECT_EQ(round_shift(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(round_shift(-5, 1), -2);  // -2.5 -> -2 (ties toward +infinity)
  EXPECT_EQ(round_shift(-6, 1), -3);
  EXPECT_EQ(round_shift(-7, 1), -3);  // -3.5 -> -3
  EXPECT_EQ(round_shift(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(round_shift(-7, 2), -2);
  EXPECT_EQ(round_shift(123, 0), 123);
  std::mt19937_64 g(1);
  for (int i = 0; i < 100000; ++i) {
    const int64_t x = static_cast<int64_t>(g() >> 20) - (int64_t{1} << 43);
    const unsigned s = static_cast<unsigned>(g() % 30) + 1;
    const i128 q = round_shift(x, s);
    const i128 rem = x + (i128{1} << (s - 1)) - (q << s);
    ASSERT_GE(rem, 0);
    ASSERT_LT(rem, i128{1} << s);
    ASSERT_EQ(round_shift64(x, s), static_cast<int64_t>(q));
    ASSERT_EQ(static_cast<double>(q), std::floor(std::ldexp(static_cast<double>(x), -static_cast<int>(s)) + 0.5));
  }
}

TEST(Arith, DivRoundHasItsRemainderInRange) {
  std::mt19937_64 g(2);
  for (int i = 0; i < 100000; ++i) {
    const i128 a = static_cast<int64_t>(g()) >> 10;
    const i128 b = static_cast<int64_t>(g() % 1000000) + 1;
    const i128 q = div_round(a, b);
    const i128 rem = 2 * a + b - 2 * q * b;
    ASSERT_GE(rem, 0);
    ASSERT_LT(rem, 2 * b);
  }
  EXPECT_EQ(div_round(7, 2), 4);    // 3.5 -> 4
  EXPECT_EQ(div_round(-7, 2), -3);  // -3.5 -> -3
  EXPECT_EQ(div_round(10, 4), 3);   // 2.5 -> 3
  EXPECT_EQ(div_round(1, 3), 0);
  EXPECT_EQ(div_round(2, 3), 1);
}

TEST(Arith, IntegerSquareRoots) {
  std::mt19937_64 g(3);
  for (int i = 0; i < 20000; ++i) {
    const u128 v = (static_cast<u128>(g()) << (g() % 60)) + g() % 7;
    const u128 s = isqrt(v);
    ASSERT_LE(s * s, v);
    ASSERT_GT((s + 1) * (s + 1), v);
  }
  for (u128 v = 0; v < 1000; ++v) {
    const u128 s = isqrt(v);
    ASSERT_TRUE(s * s <= v && (s + 1) * (s + 1) > v);
  }
  for (int i = 0; i < 20000; ++i) {
    const u128 v = (static_cast<u128>(g() >> 4) << (g() % 40)) + 1;
    const u128 n = static_cast<u128>(g() % 4096 + 1) << 64;
    const u128 r = rsqrt_scaled(v, n);
    ASSERT_LE(r * r * v, n);
    ASSERT_GT((r + 1) * (r + 1) * v, n);
  }
  EXPECT_THROW((void)rsqrt_scaled(0, 5), ZkError);
}

TEST(Arith, FormatBoundIsEnforced) {
  EXPECT_NO_THROW(check_bits((i128{1} << 40) - 1, 40, "x"));
  EXPECT_NO_THROW(check_bits(-(i128{1} << 40) + 1, 40, "x"));
  try {
    check_bits(i128{1} << 40, 40, "residual stream");
    FAIL();
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
    EXPECT_NE(std::string(e.what()).find("residual stream"), std::string::npos);
  }
  EXPECT_THROW(check_bits(-(i128{1} << 40), 40, "x"), ZkError);
  EXPECT_THROW((void)to_i64_checked(i128{1} << 70, "x"), ZkError);
}

}  // namespace
}  // namespace zklora
