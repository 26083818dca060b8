// The tables: formula spot checks, accuracy of the composed functions, and the rounding margin that makes
// the tables reproducible on any IEEE platform.
#include "zklora/fixed/tables.h"

#include <gtest/gtest.h>

#include <cmath>

#include "zklora/base/error.h"
#include "zklora/fixed/format.h"

namespace zklora {
namespace {

TEST(Tables, SizesAndEndpoints) {
  EXPECT_EQ(exp_lo_table().size(), size_t{1} << 16);
  EXPECT_EQ(exp_hi_table().size(), size_t{1} << 16);
  EXPECT_EQ(sigmoid_table().size(), size_t{1} << 16);
  EXPECT_EQ(log_table().size(), size_t{1} << 15);
  EXPECT_EQ(exp_lo_table()[0], int64_t{1} << kFixed.exp);
  EXPECT_EQ(exp_hi_table()[0], int64_t{1} << kFixed.exp);
  EXPECT_EQ(exp_hi_table()[15], 0);
  EXPECT_EQ(exp_hi_table()[65535], 0);
  EXPECT_EQ(log_table()[0], 0);  // ln 1
  EXPECT_EQ(sigmoid_table()[1 << 15], int64_t{1} << (kFixed.unit - 1));  // sigma(0) = 1/2
}

// Every entry's unrounded value is at least 1e-9 away from a rounding boundary, so a faithfully rounded libm on
// any platform yields the same integers.
TEST(Tables, RoundingIsRobust) {
  auto margin_ok = [](double x) { return std::fabs(std::fabs(x - std::floor(x)) - 0.5) > 1e-9; };
  for (int64_t j = 0; j < kTableSize; ++j) {
    ASSERT_TRUE(margin_ok(std::ldexp(std::exp(-std::ldexp(static_cast<double>(j), -16)), kFixed.exp))) << j;
    ASSERT_TRUE(margin_ok(std::ldexp(std::exp(-static_cast<double>(j)), kFixed.exp))) << j;
    const double x = std::ldexp(static_cast<double>(j + kSigmoidMin), 5 - static_cast<int>(kFixed.act));
    ASSERT_TRUE(margin_ok(std::ldexp(1.0 / (1.0 + std::exp(-x)), kFixed.unit))) << j;
  }
  for (int64_t j = kLogMin; j < 2 * kLogMin; ++j) {
    ASSERT_TRUE(margin_ok(std::ldexp(std::log(std::ldexp(static_cast<double>(j), -15)), kFixed.act))) << j;
  }
}

TEST(Tables, RopeRoundingIsRobust) {
  // The shapes the project uses: head_dim 32 (tiny) and 128 (LLaMA-2), theta 1e4, positions up to 4096.
  for (const int64_t hd : {32, 128}) {
    for (int64_t i = 0; i < hd / 2; ++i) {
      const double inv_freq = std::pow(10000.0, -static_cast<double>(2 * i) / static_cast<double>(hd));
      for (int64_t pos = 0; pos < 4096; ++pos) {
        const double angle = static_cast<double>(pos) * inv_freq;
        for (const double v : {std::cos(angle), std::sin(angle)}) {
          const double x = std::ldexp(v, kFixed.trig);
          ASSERT_GT(std::fabs(std::fabs(x - std::floor(x)) - 0.5), 1e-9) << hd << " " << i << " " << pos;
        }
      }
    }
  }
}

TEST(Tables, ExpNegIsAccurate) {
  const double unit = std::ldexp(1.0, kFixed.exp);
  for (int64_t d = 0; d < (int64_t{1} << 21); d += 37) {
    const double x = std::ldexp(static_cast<double>(d), -static_cast<int>(kFixed.act));
    const double expect = std::exp(-x) * unit;
    ASSERT_NEAR(static_cast<double>(exp_neg(d)), expect, 1.5) << d;
  }
  EXPECT_EQ(exp_neg((int64_t{1} << 32) - 1), 0);
  EXPECT_THROW((void)exp_neg(int64_t{1} << 32), ZkError);
  EXPECT_THROW((void)exp_neg(-1), ZkError);
}

TEST(Tables, SigmoidIsAccurateAndSaturates) {
  const double unit = std::ldexp(1.0, kFixed.unit);
  for (double x = -20; x < 20; x += 0.0137) {
    const int64_t xi = std::llround(std::ldexp(x, kFixed.act));
    // Input resolution 2^-11 and sigma' <= 1/4: at most 2^-13 + output rounding.
    ASSERT_NEAR(static_cast<double>(sigmoid_fixed(xi)), unit / (1 + std::exp(-x)), unit * 0x1p-12 + 0.5) << x;
  }
  EXPECT_EQ(sigmoid_fixed(int64_t{1} << 40), sigmoid_table().back());
  EXPECT_EQ(sigmoid_fixed(-(int64_t{1} << 40)), sigmoid_table().front());
}

TEST(Tables, LogIsAccurate) {
  for (int64_t s = 1; s < (int64_t{1} << 40); s = s * 3 + 1) {
    const double expect = std::log(std::ldexp(static_cast<double>(s), -static_cast<int>(kFixed.exp)));
    ASSERT_NEAR(std::ldexp(static_cast<double>(log_fixed(s)), -static_cast<int>(kFixed.act)), expect, 3e-4) << s;
  }
  EXPECT_THROW((void)log_fixed(0), ZkError);
}

TEST(Tables, RopeMatchesTheFormula) {
  const RopeTable t = make_rope_table(64, 32, 10000.0);
  ASSERT_EQ(t.half, 16);
  for (int64_t pos : {0, 1, 17, 63}) {
    for (int64_t i : {0, 5, 15}) {
      const double angle = static_cast<double>(pos) * std::pow(10000.0, -2.0 * static_cast<double>(i) / 32.0);
      EXPECT_EQ(t.cos[static_cast<size_t>(pos * 16 + i)], std::llround(std::cos(angle) * 65536.0));
      EXPECT_EQ(t.sin[static_cast<size_t>(pos * 16 + i)], std::llround(std::sin(angle) * 65536.0));
    }
  }
}

}  // namespace
}  // namespace zklora
