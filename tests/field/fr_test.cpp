// Fr: ring axioms (a typed suite, one line per field type), cross-checks against GMP, conversions, encodings.
#include "zklora/field/fr.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "support/gmp_field.h"

namespace zklora {
namespace {

using testing::from_mpz;
using testing::mod_r;
using testing::modulus_mpz;
using testing::to_mpz;

// ---- The algebraic suite, written once for any type with the Fr interface --------------------------------

template <class F>
class FieldAxioms : public ::testing::Test {
 protected:
  std::mt19937_64 gen{20261121};
  F rand() { return F::random(gen); }
};

TYPED_TEST_SUITE_P(FieldAxioms);

TYPED_TEST_P(FieldAxioms, AdditiveGroup) {
  using F = TypeParam;
  for (int i = 0; i < 200; ++i) {
    const F a = this->rand(), b = this->rand(), c = this->rand();
    EXPECT_EQ((a + b) + c, a + (b + c));
    EXPECT_EQ(a + b, b + a);
    EXPECT_EQ(a + F::zero(), a);
    EXPECT_EQ(a + (-a), F::zero());
    EXPECT_EQ(a - b, a + (-b));
    EXPECT_EQ(a.dbl(), a + a);
  }
}

TYPED_TEST_P(FieldAxioms, MultiplicativeMonoidAndDistributivity) {
  using F = TypeParam;
  for (int i = 0; i < 200; ++i) {
    const F a = this->rand(), b = this->rand(), c = this->rand();
    EXPECT_EQ((a * b) * c, a * (b * c));
    EXPECT_EQ(a * b, b * a);
    EXPECT_EQ(a * F::one(), a);
    EXPECT_EQ(a * F::zero(), F::zero());
    EXPECT_EQ(a * (b + c), a * b + a * c);
    EXPECT_EQ(a.square(), a * a);
  }
}

TYPED_TEST_P(FieldAxioms, Inverses) {
  using F = TypeParam;
  for (int i = 0; i < 100; ++i) {
    const F a = this->rand();
    ASSERT_FALSE(a.is_zero());
    EXPECT_TRUE((a * a.inverse()).is_one());
    EXPECT_EQ(a.inverse().inverse(), a);
  }
  EXPECT_TRUE(F::zero().inverse().is_zero());
  EXPECT_TRUE(F::one().inverse().is_one());
}

TYPED_TEST_P(FieldAxioms, CompoundAssignmentMatchesOperators) {
  using F = TypeParam;
  const F a = this->rand(), b = this->rand();
  F x = a;
  x += b;
  EXPECT_EQ(x, a + b);
  x = a;
  x -= b;
  EXPECT_EQ(x, a - b);
  x = a;
  x *= b;
  EXPECT_EQ(x, a * b);
}

REGISTER_TYPED_TEST_SUITE_P(FieldAxioms, AdditiveGroup, MultiplicativeMonoidAndDistributivity, Inverses,
                            CompoundAssignmentMatchesOperators);

INSTANTIATE_TYPED_TEST_SUITE_P(Fr, FieldAxioms, ::testing::Types<Fr>);

// ---- Cross-checks against GMP ----------------------------------------------------------------------------

class FrTest : public ::testing::Test {
 protected:
  std::mt19937_64 gen{42};
  Fr rand() { return Fr::random(gen); }
};

TEST_F(FrTest, ModulusIsTheBls12381ScalarField) {
  const mpz_class r("52435875175126190479447740508185965837690552500527637822603658699938581184513");
  EXPECT_EQ(modulus_mpz(), r);
  EXPECT_EQ(mpz_sizeinbase(r.get_mpz_t(), 2), Fr::kBits);
}

TEST_F(FrTest, ArithmeticMatchesGmp) {
  for (int i = 0; i < 1000; ++i) {
    const Fr a = rand(), b = rand();
    const mpz_class A = to_mpz(a), B = to_mpz(b);
    ASSERT_LT(A, modulus_mpz());
    EXPECT_EQ(to_mpz(a + b), mod_r(A + B));
    EXPECT_EQ(to_mpz(a - b), mod_r(A - B));
    EXPECT_EQ(to_mpz(a * b), mod_r(A * B));
    EXPECT_EQ(to_mpz(-a), mod_r(-A));
    EXPECT_EQ(from_mpz(A), a);
  }
}

TEST_F(FrTest, SumsAndProductsOfManyTermsMatchGmp) {
  Fr sum, prod = Fr::one();
  mpz_class s = 0, p = 1;
  for (int i = 0; i < 5000; ++i) {
    const Fr a = rand();
    sum += a;
    prod *= a;
    s = mod_r(s + to_mpz(a));
    p = mod_r(p * to_mpz(a));
  }
  EXPECT_EQ(to_mpz(sum), s);
  EXPECT_EQ(to_mpz(prod), p);
}

TEST_F(FrTest, InternalRepresentationIsFullyReduced) {
  // Equality compares limbs, which is sound only if every result is reduced below r.
  const mpz_class r = modulus_mpz();
  Fr x = rand();
  for (int i = 0; i < 1000; ++i) {
    x = x * x + Fr::from_i64(-i);
    const blst_fr& raw = x.raw();
    EXPECT_LT(testing::to_mpz(std::array<uint64_t, 4>{raw.l[0], raw.l[1], raw.l[2], raw.l[3]}), r);
  }
}

TEST_F(FrTest, InverseMatchesGmp) {
  for (int i = 0; i < 200; ++i) {
    const Fr a = rand();
    mpz_class inv;
    ASSERT_NE(mpz_invert(inv.get_mpz_t(), to_mpz(a).get_mpz_t(), modulus_mpz().get_mpz_t()), 0);
    EXPECT_EQ(to_mpz(a.inverse()), inv);
  }
}

TEST_F(FrTest, PowMatchesGmp) {
  const mpz_class r = modulus_mpz();
  for (int i = 0; i < 50; ++i) {
    const Fr a = rand();
    const uint64_t e = gen();
    mpz_class expect;
    mpz_powm(expect.get_mpz_t(), to_mpz(a).get_mpz_t(), mpz_class(std::to_string(e)).get_mpz_t(), r.get_mpz_t());
    EXPECT_EQ(to_mpz(a.pow(e)), expect);
  }
  // Fermat: a^(r-1) = 1 with a 255-bit exponent.
  const Fr r_minus_1 = -Fr::one();
  EXPECT_TRUE(rand().pow(r_minus_1.to_limbs()).is_one());
  EXPECT_TRUE(rand().pow(uint64_t{0}).is_one());
  EXPECT_TRUE(Fr::zero().pow(uint64_t{0}).is_one());
  EXPECT_TRUE(Fr::zero().pow(uint64_t{5}).is_zero());
}

TEST_F(FrTest, BatchInverseHandlesZerosAnywhere) {
  for (const int threads : {1, 2}) {
    for (const size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{5000}}) {
      std::vector<Fr> xs(n);
      for (Fr& x : xs) x = rand();
      if (n >= 1) xs[0] = Fr::zero();
      if (n >= 5000) {
        xs[n / 2] = Fr::zero();
        xs[n - 1] = Fr::zero();
        xs[1234] = Fr::one();
      }
      std::vector<Fr> ys = xs;
      batch_inverse(ys, threads);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(ys[i], xs[i].inverse()) << "index " << i << " n " << n << " threads " << threads;
      }
    }
  }
}

TEST_F(FrTest, BatchInverseOfAllZeros) {
  std::vector<Fr> xs(3000);
  batch_inverse(xs, 2);
  for (const Fr& x : xs) EXPECT_TRUE(x.is_zero());
}

// ---- Integer conversions -------------------------------------------------------------------------------

TEST_F(FrTest, SignedIntegersMapToResidues) {
  const mpz_class r = modulus_mpz();
  for (const int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{123456789}, int64_t{-987654321},
                          INT64_MAX, INT64_MIN, INT64_MIN + 1}) {
    const Fr f = Fr::from_i64(v);
    EXPECT_EQ(to_mpz(f), mod_r(mpz_class(std::to_string(v))));
    EXPECT_EQ(f.to_i64().value(), v);
    EXPECT_EQ(f.to_i128().value(), static_cast<i128>(v));
  }
  EXPECT_EQ(to_mpz(Fr::from_i64(-1)), r - 1);
}

TEST_F(FrTest, Int128RoundTripAtTheEdges) {
  const i128 max = static_cast<i128>((u128{1} << 127) - 1);
  const i128 min = -max - 1;
  for (const i128 v : {i128{0}, i128{-1}, max, min, min + 1, static_cast<i128>(INT64_MAX) + 1,
                       static_cast<i128>(INT64_MIN) - 1}) {
    EXPECT_TRUE(Fr::from_i128(v).to_i128().value() == v);
  }
  std::mt19937_64 g(7);
  for (int i = 0; i < 1000; ++i) {
    const i128 v = static_cast<i128>((static_cast<u128>(g()) << 64) | g());
    EXPECT_TRUE(Fr::from_i128(v).to_i128().value() == v);
    const int64_t w = static_cast<int64_t>(g());
    EXPECT_EQ(Fr::from_i64(w).to_i64().value(), w);
    EXPECT_EQ(Fr::from_i128(w), Fr::from_i64(w));
  }
  EXPECT_EQ(Fr::from_u128(u128{1} << 100), Fr::from_u64(uint64_t{1} << 50) * Fr::from_u64(uint64_t{1} << 50));
}

TEST_F(FrTest, ConversionBackFailsForValuesThatAreNotSmall) {
  const Fr two63 = Fr::from_u64(uint64_t{1} << 63);  // one past INT64_MAX
  EXPECT_EQ(two63.to_i64().code(), ErrorCode::NOT_SMALL_INTEGER);
  EXPECT_EQ((-two63).to_i64().value(), INT64_MIN);
  EXPECT_EQ((-two63 - Fr::one()).to_i64().code(), ErrorCode::NOT_SMALL_INTEGER);
  EXPECT_TRUE(two63.to_i128().ok());

  const Fr two127 = Fr::from_u128(u128{1} << 127);
  EXPECT_EQ(two127.to_i128().code(), ErrorCode::NOT_SMALL_INTEGER);
  EXPECT_TRUE((-two127).to_i128().ok());
  EXPECT_EQ((-two127 - Fr::one()).to_i128().code(), ErrorCode::NOT_SMALL_INTEGER);

  for (int i = 0; i < 100; ++i) {  // random elements are far from every small integer
    EXPECT_EQ(rand().to_i64().code(), ErrorCode::NOT_SMALL_INTEGER);
    EXPECT_EQ(rand().to_i128().code(), ErrorCode::NOT_SMALL_INTEGER);
  }
  EXPECT_THROW((void)rand().to_i64().value(), ZkError);
}

// ---- Encoding ----------------------------------------------------------------------------------------

TEST_F(FrTest, EncodingRoundTripsAndIsLittleEndian) {
  for (int i = 0; i < 500; ++i) {
    const Fr a = rand();
    const auto bytes = a.to_bytes();
    EXPECT_EQ(Fr::from_bytes(bytes).value(), a);
  }
  const auto one = Fr::one().to_bytes();
  EXPECT_EQ(one[0], 1);
  for (size_t i = 1; i < one.size(); ++i) EXPECT_EQ(one[i], 0);
  const auto minus_one = (-Fr::one()).to_bytes();  // r - 1 = ...00000000 little-endian
  EXPECT_EQ(minus_one[0], 0x00);
  EXPECT_EQ(minus_one[31], 0x73);
}

TEST_F(FrTest, DecoderRejectsNonCanonicalEncodings) {
  auto encode = [](const mpz_class& z) {
    std::array<uint8_t, 32> b{};
    size_t count = 0;
    mpz_export(b.data(), &count, -1, 1, 0, 0, z.get_mpz_t());
    return b;
  };
  const mpz_class r = modulus_mpz();
  EXPECT_TRUE(Fr::from_bytes(encode(r - 1)).ok());
  for (const mpz_class& bad : {mpz_class(r), mpz_class(r + 1), mpz_class(2 * r - 1),
                               mpz_class((mpz_class(1) << 256) - 1), mpz_class(mpz_class(1) << 255)}) {
    const auto result = Fr::from_bytes(encode(bad));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.code(), ErrorCode::NON_CANONICAL_FIELD);
  }
  std::vector<uint8_t> short_input(31, 0), long_input(33, 0);
  EXPECT_EQ(Fr::from_bytes(short_input).code(), ErrorCode::BAD_LENGTH);
  EXPECT_EQ(Fr::from_bytes(long_input).code(), ErrorCode::BAD_LENGTH);
  EXPECT_EQ(Fr::from_limbs(fr_modulus()).code(), ErrorCode::NON_CANONICAL_FIELD);
}

TEST_F(FrTest, WideBytesReduceModR) {
  for (int i = 0; i < 200; ++i) {
    std::array<uint8_t, 64> wide{};
    for (auto& b : wide) b = static_cast<uint8_t>(gen());
    mpz_class z;
    mpz_import(z.get_mpz_t(), wide.size(), -1, 1, 0, 0, wide.data());
    EXPECT_EQ(to_mpz(Fr::from_wide_bytes(wide)), mod_r(z));
  }
}

TEST_F(FrTest, DecimalStringMatchesGmp) {
  EXPECT_EQ(Fr::zero().to_string(), "0");
  EXPECT_EQ(Fr::from_u64(10000000000000000000ULL).to_string(), "10000000000000000000");
  for (int i = 0; i < 50; ++i) {
    const Fr a = rand();
    EXPECT_EQ(a.to_string(), to_mpz(a).get_str());
  }
}

TEST_F(FrTest, SecureRandomElementsDiffer) {
  const Fr a = Fr::random(), b = Fr::random();
  EXPECT_NE(a, b);
  EXPECT_FALSE(a.is_zero());
}

}  // namespace
}  // namespace zklora
