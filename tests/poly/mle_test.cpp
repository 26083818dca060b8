// MLEs: the variable order pinned by explicit entries, eq tables, evaluation against the definition, binding a
// variable against evaluation, integer tables against their field images, on 1 and 2 threads.
#include "zklora/poly/mle.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace zklora {
namespace {

std::vector<Fr> random_frs(std::mt19937_64& gen, size_t n) {
  std::vector<Fr> v(n);
  for (Fr& x : v) x = Fr::random(gen);
  return v;
}

std::vector<int64_t> random_ints(std::mt19937_64& gen, size_t n, unsigned bits) {
  std::vector<int64_t> v(n);
  for (int64_t& x : v) {
    x = bits == 64 ? static_cast<int64_t>(gen())
                   : static_cast<int64_t>(gen() >> (64 - bits)) - (int64_t{1} << (bits - 1));
  }
  return v;
}

// The definition: sum_i t[i] eq(bits(i), z), bit n-1-j of i being the coordinate of variable j.
Fr naive_evaluate(const std::vector<Fr>& t, const std::vector<Fr>& z) {
  const size_t n = z.size();
  Fr acc;
  for (size_t i = 0; i < t.size(); ++i) {
    std::vector<Fr> bits(n);
    for (size_t j = 0; j < n; ++j) bits[j] = ((i >> (n - 1 - j)) & 1) ? Fr::one() : Fr::zero();
    acc += t[i] * eq_eval(bits, z);
  }
  return acc;
}

std::vector<Fr> boolean_point(size_t index, size_t n) {
  std::vector<Fr> p(n);
  for (size_t j = 0; j < n; ++j) p[j] = ((index >> (n - 1 - j)) & 1) ? Fr::one() : Fr::zero();
  return p;
}

TEST(Mle, VariableZeroIsTheMostSignificantBit) {
  // t = [t0, t1, t2, t3]: x_0 selects the half, x_1 the entry within it.
  const std::vector<Fr> t = {Fr::from_u64(10), Fr::from_u64(11), Fr::from_u64(12), Fr::from_u64(13)};
  EXPECT_EQ(mle_evaluate(t, std::vector<Fr>{Fr::one(), Fr::zero()}), Fr::from_u64(12));
  EXPECT_EQ(mle_evaluate(t, std::vector<Fr>{Fr::zero(), Fr::one()}), Fr::from_u64(11));
  // Binding x_0 := 1 keeps the upper half.
  std::vector<Fr> f = t;
  mle_fold(f, Fr::one());
  EXPECT_EQ(f, (std::vector<Fr>{Fr::from_u64(12), Fr::from_u64(13)}));
  // eq_table(z)[i] = eq(bits(i), z): entry 1 is x = (0, 1).
  const std::vector<Fr> z = {Fr::from_u64(3), Fr::from_u64(5)};
  const auto e = eq_table(z);
  EXPECT_EQ(e[1], (Fr::one() - z[0]) * z[1]);
  EXPECT_EQ(e[2], z[0] * (Fr::one() - z[1]));
}

TEST(Mle, EqTableMatchesEqEval) {
  std::mt19937_64 gen(11);
  for (const size_t n : {0, 1, 2, 5, 13, 14}) {
    const auto z = random_frs(gen, n);
    const Fr scale = Fr::random(gen);
    for (const int threads : {1, 2}) {
      const auto e = eq_table(z, scale, threads);
      ASSERT_EQ(e.size(), size_t{1} << n);
      Fr sum;
      for (const Fr& x : e) sum += x;
      EXPECT_EQ(sum, scale) << "sum of eq over the cube is the scale, n " << n;
      for (size_t i : {size_t{0}, e.size() / 3, e.size() - 1}) {
        EXPECT_EQ(e[i], scale * eq_eval(boolean_point(i, n), z)) << "n " << n << " i " << i;
      }
    }
  }
}

TEST(Mle, EvaluateMatchesDefinitionAndBooleanPoints) {
  std::mt19937_64 gen(12);
  for (const size_t n : {0, 1, 2, 3, 6}) {
    for (const size_t size : {size_t{1} << n, (size_t{1} << n) / 2 + 1}) {  // full and zero-padded tables
      const auto t = random_frs(gen, size);
      std::vector<Fr> padded = t;
      padded.resize(size_t{1} << n);
      const auto z = random_frs(gen, n);
      EXPECT_EQ(mle_evaluate(t, z), naive_evaluate(padded, z)) << "n " << n << " size " << size;
      for (size_t i = 0; i < padded.size(); ++i) EXPECT_EQ(mle_evaluate(t, boolean_point(i, n)), padded[i]);
    }
  }
  EXPECT_THROW((void)mle_evaluate(random_frs(gen, 5), random_frs(gen, 2)), ZkError);
}

TEST(Mle, FoldBindsTheFirstVariable) {
  std::mt19937_64 gen(13);
  for (const size_t n : {1, 2, 7, 14}) {
    const auto t = random_frs(gen, size_t{1} << n);
    const auto z = random_frs(gen, n);
    for (const int threads : {1, 2}) {
      std::vector<Fr> f = t;
      for (size_t j = 0; j < n; ++j) mle_fold(f, z[j], threads);
      ASSERT_EQ(f.size(), 1u);
      EXPECT_EQ(f[0], mle_evaluate(t, z, threads)) << "n " << n;
    }
  }
  std::vector<Fr> odd(3);
  EXPECT_THROW(mle_fold(odd, Fr::one()), ZkError);
}

TEST(Mle, IntegerTablesMatchTheirFieldImages) {
  std::mt19937_64 gen(14);
  for (const size_t n : {1, 3, 8, 15}) {
    for (const size_t size : {size_t{1} << n, (size_t{1} << n) - (n > 2 ? 3 : 1)}) {
      const auto ints = random_ints(gen, size, n == 15 ? 64 : 20);
      std::vector<int32_t> narrow(size);
      for (size_t i = 0; i < size; ++i) narrow[i] = static_cast<int32_t>(ints[i] >> 32);
      for (const int threads : {1, 2}) {
        const auto f = to_field(ints, size_t{1} << n, threads);
        for (size_t i = 0; i < size; ++i) ASSERT_EQ(f[i], Fr::from_i64(ints[i]));
        for (size_t i = size; i < f.size(); ++i) ASSERT_TRUE(f[i].is_zero());
        const auto fn = to_field(narrow, size, threads);
        const auto z = random_frs(gen, n);
        EXPECT_EQ(mle_evaluate(ints, z, threads), mle_evaluate(f, z, threads)) << "n " << n;
        EXPECT_EQ(mle_evaluate(narrow, z, threads), mle_evaluate(fn, z, threads)) << "n " << n;
        // Binding x_0 of the integer table equals binding it in the field.
        std::vector<Fr> folded = f;
        mle_fold(folded, z[0], threads);
        EXPECT_EQ(mle_fold(ints, static_cast<unsigned>(n), z[0], threads), folded);
        const auto fr_fold = mle_fold(TableView(f), static_cast<unsigned>(n), z[0], threads);
        EXPECT_EQ(fr_fold, folded);
      }
    }
  }
}

TEST(Mle, Log2Ceil) {
  EXPECT_EQ(log2_ceil(0), 0u);
  EXPECT_EQ(log2_ceil(1), 0u);
  EXPECT_EQ(log2_ceil(2), 1u);
  EXPECT_EQ(log2_ceil(3), 2u);
  EXPECT_EQ(log2_ceil(4096), 12u);
  EXPECT_EQ(log2_ceil(4097), 13u);
}

}  // namespace
}  // namespace zklora
