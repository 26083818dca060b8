// MSM: full and short scalars, 1 and 2 threads, sizes around every boundary of the implementation (empty,
// below the naive cut-off, chunk splits), always against the naive sum of scalar multiplications.
#include "zklora/curve/msm.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zklora/curve/generators.h"

namespace zklora {
namespace {

constexpr size_t kSizes[] = {0, 1, 2, 3, 7, 8, 9, 1000, 4103};

G1 naive(std::span<const G1Affine> points, std::span<const Fr> scalars) {
  G1 acc;
  for (size_t i = 0; i < points.size(); ++i) acc += G1::from_affine(points[i]) * scalars[i];
  return acc;
}

class MsmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gens_ = generators(4103); }
  static std::span<const G1Affine> points(size_t n) { return gens_->points().subspan(0, n); }
  // msm_small of every prefix of kSizes (1 and 2 threads) and of all 4103 values with the precomputed sum of the
  // generators, each against the naive sum of the values as field elements.
  static void expect_small_matches_naive(const std::vector<int64_t>& values, unsigned bits) {
    std::vector<Fr> as_field(values.size());
    for (size_t i = 0; i < values.size(); ++i) as_field[i] = Fr::from_i64(values[i]);
    for (const size_t n : kSizes) {
      const auto v = std::span<const int64_t>(values).subspan(0, n);
      const G1 expect = naive(points(n), std::span<const Fr>(as_field).subspan(0, n));
      for (const int threads : {1, 2}) {
        EXPECT_EQ(msm_small(points(n), v, bits, threads), expect) << "bits " << bits << " n " << n;
      }
    }
    EXPECT_EQ(msm_small(gens_->points(), values, bits, 2, &gens_->sum()), naive(gens_->points(), as_field));
  }
  static inline std::shared_ptr<const GeneratorSet> gens_;
  std::mt19937_64 gen{2024};
};

TEST_F(MsmTest, FullScalarsMatchNaiveSum) {
  std::vector<Fr> scalars(4103);
  for (Fr& s : scalars) s = Fr::random(gen);
  scalars[5] = Fr::zero();
  scalars[6] = -Fr::one();  // the largest scalar, r - 1
  for (const size_t n : kSizes) {
    const auto sc = std::span<const Fr>(scalars).subspan(0, n);
    const G1 expect = naive(points(n), sc);
    for (const int threads : {1, 2}) EXPECT_EQ(msm(points(n), sc, threads), expect) << "n " << n << " t " << threads;
  }
}

TEST_F(MsmTest, ShortScalarsMatchNaiveSum) {
  for (const unsigned bits : {1u, 8u, 16u, 33u, 64u}) {
    const i128 half = i128{1} << (bits - 1);
    std::vector<int64_t> values(4103);
    for (int64_t& v : values) v = static_cast<int64_t>(static_cast<i128>(gen() % static_cast<u128>(2 * half)) - half);
    values[0] = static_cast<int64_t>(-half);     // both ends of the range
    values[1] = static_cast<int64_t>(half - 1);
    values[2] = 0;
    expect_small_matches_naive(values, bits);
  }
}

// Non-negative values take the unshifted path (bits - 1 bits, zeros skipped): limbs with zero padding, all
// zeros, and the largest value of the range.
TEST_F(MsmTest, NonNegativeShortScalarsMatchNaiveSum) {
  for (const unsigned bits : {1u, 2u, 17u, 33u, 64u}) {
    const u128 half = u128{1} << (bits - 1);
    std::vector<int64_t> values(4103, 0);
    for (size_t i = 0; i < values.size() * 3 / 4; ++i) values[i] = static_cast<int64_t>(gen() % half);
    values[1] = static_cast<int64_t>(half - 1);
    expect_small_matches_naive(values, bits);
  }
  const std::vector<int64_t> zeros(3000, 0);
  EXPECT_EQ(msm_small(points(3000), zeros, 1, 2), G1());
  EXPECT_EQ(msm_small(points(3000), zeros, 16, 2), G1());
}

TEST_F(MsmTest, IdentityPointsContributeNothing) {
  std::vector<G1Affine> pts(gens_->points().begin(), gens_->points().begin() + 2000);
  pts[0] = G1Affine{};
  pts[999] = G1Affine{};
  std::vector<Fr> scalars(pts.size());
  std::vector<int64_t> small(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    small[i] = static_cast<int64_t>(gen() % 200) - 100;
    scalars[i] = Fr::from_i64(small[i]);
  }
  const G1 expect = naive(pts, scalars);
  for (const int threads : {1, 2}) {
    EXPECT_EQ(msm(pts, scalars, threads), expect);
    EXPECT_EQ(msm_small(pts, small, 8, threads), expect);
  }
}

TEST_F(MsmTest, Int32ValuesMatchInt64Values) {
  std::vector<int32_t> v32(3000);
  std::vector<int64_t> v64(3000);
  for (size_t i = 0; i < v32.size(); ++i) v64[i] = v32[i] = static_cast<int32_t>(gen() % 1000) - 500;
  EXPECT_EQ(msm_small(points(3000), v32, 11, 2), msm_small(points(3000), v64, 11, 2));
}

TEST_F(MsmTest, ShortAndFullPathsAgree) {
  std::vector<int64_t> values(4103);
  std::vector<Fr> as_field(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<int64_t>(gen() % 65536) - 32768;
    as_field[i] = Fr::from_i64(values[i]);
  }
  EXPECT_EQ(msm_small(gens_->points(), values, 16, 2, &gens_->sum()), msm(gens_->points(), as_field, 2));
}

TEST_F(MsmTest, ValuesOutsideTheDeclaredRangeAreRefused) {
  std::vector<int64_t> values(100, 0);
  values[50] = 128;  // outside [-128, 128)
  try {
    (void)msm_small(points(100), values, 8, 1);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
  }
  values[50] = -129;
  EXPECT_THROW((void)msm_small(points(100), values, 8, 2), ZkError);
  values[50] = -128;
  EXPECT_NO_THROW((void)msm_small(points(100), values, 8, 2));
  EXPECT_THROW((void)msm_small(points(100), values, 0, 1), ZkError);
  EXPECT_THROW((void)msm_small(points(100), values, 65, 1), ZkError);
}

TEST_F(MsmTest, MismatchedLengthsAreRefused) {
  std::vector<Fr> scalars(5);
  try {
    (void)msm(points(4), scalars);
    FAIL() << "expected INVALID_ARGUMENT";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::INVALID_ARGUMENT);
  }
}

TEST(SignedBitWidth, IsTheSmallestWidthThatHoldsEveryValue) {
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{}), 1u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{0, -1}), 1u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{1}), 2u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{-128, 127}), 8u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{128}), 9u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{-129}), 9u);
  EXPECT_EQ(signed_bit_width(std::vector<int64_t>{INT64_MIN, INT64_MAX}), 64u);
}

}  // namespace
}  // namespace zklora
