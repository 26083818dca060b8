// Weighted row and column sums against the naive double loop, for every entry type, for wide, narrow, tall and
// ragged (short last row) matrices, on 1 and 2 threads.
#include "zklora/poly/weighted_sum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace zklora {
namespace {

struct Case {
  size_t size, width;
};

constexpr Case kCases[] = {{1, 1},   {7, 3},     {64, 8},      {1000, 1},   {1000, 1000},
                           {5000, 17}, {70000, 512}, {70001, 300}, {40000, 40000}};

template <class T>
std::vector<T> random_table(std::mt19937_64& gen, size_t n) {
  std::vector<T> v(n);
  for (T& x : v) {
    if constexpr (std::is_same_v<T, Fr>) {
      x = Fr::random(gen);
    } else {
      x = static_cast<T>(gen());  // the full range of the type
    }
  }
  return v;
}

template <class T>
Fr entry(const std::vector<T>& v, size_t i) {
  if constexpr (std::is_same_v<T, Fr>) {
    return v[i];
  } else {
    return Fr::from_i64(static_cast<int64_t>(v[i]));
  }
}

template <class T>
class WeightedSum : public ::testing::Test {};
using EntryTypes = ::testing::Types<Fr, int64_t, int32_t>;
TYPED_TEST_SUITE(WeightedSum, EntryTypes);

TYPED_TEST(WeightedSum, MatchesNaiveSums) {
  std::mt19937_64 gen(21);
  for (const Case& c : kCases) {
    const auto t = random_table<TypeParam>(gen, c.size);
    const size_t rows = (c.size + c.width - 1) / c.width;
    std::vector<Fr> wr(rows + 2), wc(c.width);
    for (Fr& x : wr) x = Fr::random(gen);
    for (Fr& x : wc) x = Fr::random(gen);
    std::vector<Fr> expect_rows(c.width), expect_cols(rows);
    for (size_t i = 0; i < c.size; ++i) {
      expect_rows[i % c.width] += wr[i / c.width] * entry(t, i);
      expect_cols[i / c.width] += entry(t, i) * wc[i % c.width];
    }
    for (const int threads : {1, 2}) {
      EXPECT_EQ(combine_rows(t, c.width, wr, threads), expect_rows) << c.size << "x" << c.width;
      EXPECT_EQ(combine_cols(t, c.width, wc, threads), expect_cols) << c.size << "x" << c.width;
    }
    if (c.width == c.size) {
      EXPECT_EQ(inner_product(t, wc), expect_cols[0]);
    }
  }
}

TEST(WeightedSumArgs, RejectsShortWeights) {
  std::vector<int64_t> t(10, 1);
  std::vector<Fr> w(2);
  EXPECT_THROW((void)combine_rows(t, 3, w), ZkError);  // 4 rows
  EXPECT_THROW((void)combine_cols(t, 3, w), ZkError);  // rows of 3
  EXPECT_THROW((void)combine_rows(t, 0, w), ZkError);
  EXPECT_TRUE(combine_cols(std::vector<int64_t>{}, 4, w).empty());
}

}  // namespace
}  // namespace zklora
