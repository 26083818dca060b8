// PaddedShape: per-dimension padding, the variable ranges of each dimension, and the property the protocols use:
// the MLE of a padded matrix at (row point || column point) is eq(row)^T M eq(col).
#include "zklora/poly/shape.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zklora/poly/mle.h"

namespace zklora {
namespace {

TEST(PaddedShape, VariablesPerDimension) {
  const PaddedShape s({3, 1, 5, 8});
  EXPECT_EQ(s.num_vars(), 2u + 0u + 3u + 3u);
  EXPECT_EQ(s.dim_vars(1), 0u);
  EXPECT_EQ(s.var_offset(2), 2u);
  EXPECT_EQ(s.var_offset(3), 5u);
  EXPECT_EQ(s.padded_size(), 256u);
  EXPECT_EQ(s.numel(), 120u);
  EXPECT_EQ(s.padded_index(std::vector<uint64_t>{2, 0, 4, 7}), (2u << 6) | (4u << 3) | 7u);
  EXPECT_THROW((void)s.padded_index(std::vector<uint64_t>{3, 0, 0, 0}), ZkError);
  EXPECT_THROW(PaddedShape({2, 0}), ZkError);
  const PaddedShape scalar(std::vector<uint64_t>{});
  EXPECT_EQ(scalar.num_vars(), 0u);
  EXPECT_EQ(scalar.pad(std::span<const int64_t>(std::vector<int64_t>{7})), std::vector<int64_t>{7});
}

TEST(PaddedShape, PadPlacesEveryEntry) {
  const PaddedShape s({3, 5, 2});
  std::vector<int64_t> data(s.numel());
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int64_t>(i + 1);
  const auto p = s.pad(std::span<const int64_t>(data));
  ASSERT_EQ(p.size(), 4u * 8u * 2u);
  int64_t nonzero = 0;
  for (const int64_t v : p) nonzero += v != 0;
  EXPECT_EQ(nonzero, 30);
  for (uint64_t a = 0; a < 3; ++a)
    for (uint64_t b = 0; b < 5; ++b)
      for (uint64_t c = 0; c < 2; ++c) {
        EXPECT_EQ(p[s.padded_index(std::vector<uint64_t>{a, b, c})], data[(a * 5 + b) * 2 + c]);
      }
}

TEST(PaddedShape, MatrixMleSplitsIntoRowAndColumnPoints) {
  std::mt19937_64 gen(31);
  const PaddedShape s({5, 3});
  std::vector<Fr> m(s.numel());
  for (Fr& x : m) x = Fr::random(gen);
  const auto padded = s.pad(std::span<const Fr>(m));
  std::vector<Fr> zr(s.dim_vars(0)), zc(s.dim_vars(1));
  for (Fr& x : zr) x = Fr::random(gen);
  for (Fr& x : zc) x = Fr::random(gen);
  const auto er = eq_table(zr), ec = eq_table(zc);
  Fr expect;
  for (size_t i = 0; i < 5; ++i)
    for (size_t j = 0; j < 3; ++j) expect += er[i] * m[i * 3 + j] * ec[j];
  std::vector<Fr> z = zr;
  z.insert(z.end(), zc.begin(), zc.end());
  EXPECT_EQ(mle_evaluate(padded, z), expect);
}

}  // namespace
}  // namespace zklora
