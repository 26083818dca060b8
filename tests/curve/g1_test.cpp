// G1: group laws, scalar multiplication, the compressed encoding and its decoder's typed rejections.
#include "zklora/curve/g1.h"

#include <gtest/gtest.h>

#include <random>

namespace zklora {
namespace {

class G1Test : public ::testing::Test {
 protected:
  std::mt19937_64 gen{381};
  Fr rand_fr() { return Fr::random(gen); }
  G1 rand_point() { return G1::generator() * rand_fr(); }
};

// x^3 + 4 over Fp for x a small integer; `square` tells whether it has a square root.
bool rhs_is_square(uint64_t x) {
  blst_fp fx, x3, four, rhs, root;
  const uint64_t xl[6] = {x, 0, 0, 0, 0, 0}, fl[6] = {4, 0, 0, 0, 0, 0};
  blst_fp_from_uint64(&fx, xl);
  blst_fp_from_uint64(&four, fl);
  blst_fp_sqr(&x3, &fx);
  blst_fp_mul(&x3, &x3, &fx);
  blst_fp_add(&rhs, &x3, &four);
  return blst_fp_sqrt(&root, &rhs);
}

// The compressed encoding of the curve point with this x (if any): big-endian x, flag 0x80.
std::array<uint8_t, 48> compressed_with_x(uint64_t x) {
  std::array<uint8_t, 48> b{};
  for (size_t i = 0; i < 8; ++i) b[47 - i] = static_cast<uint8_t>(x >> (8 * i));
  b[0] |= 0x80;
  return b;
}

TEST_F(G1Test, GroupLaws) {
  for (int i = 0; i < 20; ++i) {
    const G1 p = rand_point(), q = rand_point(), r = rand_point();
    EXPECT_EQ((p + q) + r, p + (q + r));
    EXPECT_EQ(p + q, q + p);
    EXPECT_EQ(p + G1::identity(), p);
    EXPECT_TRUE((p + (-p)).is_identity());
    EXPECT_TRUE((p - p).is_identity());
    EXPECT_EQ(p.dbl(), p + p);  // addition must handle equal operands
    EXPECT_EQ(p + p.to_affine(), p + p);
    EXPECT_EQ(G1::from_affine(p.to_affine()), p);
    EXPECT_TRUE(p.on_curve());
    EXPECT_TRUE(p.in_subgroup());
    G1 acc = p;
    acc += q;
    acc -= q;
    EXPECT_EQ(acc, p);
  }
  EXPECT_TRUE(G1::identity().is_identity());
  EXPECT_FALSE(G1::generator().is_identity());
  EXPECT_TRUE((G1::identity() + G1::identity()).is_identity());
}

TEST_F(G1Test, ScalarMultiplicationIsAModuleAction) {
  const G1 g = G1::generator();
  for (int i = 0; i < 10; ++i) {
    const Fr a = rand_fr(), b = rand_fr();
    const G1 p = rand_point();
    EXPECT_EQ(p * (a + b), p * a + p * b);
    EXPECT_EQ(p * (a * b), (p * a) * b);
    EXPECT_EQ((p + g) * a, p * a + g * a);
  }
  const G1 p = rand_point();
  EXPECT_TRUE((p * Fr::zero()).is_identity());
  EXPECT_EQ(p * Fr::one(), p);
  EXPECT_EQ(p * -Fr::one(), -p);
  EXPECT_EQ(p * Fr::from_u64(5), p + p + p + p + p);
  EXPECT_EQ(p.mul_pow2(10), p * Fr::from_u64(1024));
  // r * P = identity: (r - 1) * P + P.
  EXPECT_TRUE((p * -Fr::one() + p).is_identity());
}

TEST_F(G1Test, EncodingRoundTrips) {
  for (int i = 0; i < 50; ++i) {
    const G1 p = rand_point();
    const auto bytes = p.to_bytes();
    EXPECT_EQ(bytes[0] & 0x80, 0x80);
    EXPECT_EQ(G1::from_bytes(bytes).value(), p);
    EXPECT_EQ(G1::from_bytes((-p).to_bytes()).value(), -p);
  }
  const auto inf = G1::identity().to_bytes();
  EXPECT_EQ(inf[0], 0xc0);
  for (size_t i = 1; i < inf.size(); ++i) EXPECT_EQ(inf[i], 0);
  EXPECT_TRUE(G1::from_bytes(inf).value().is_identity());
}

TEST_F(G1Test, GeneratorHasTheStandardEncoding) {
  // The compressed BLS12-381 G1 generator (Zcash serialization).
  const char* hex =
      "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
  const auto bytes = G1::generator().to_bytes();
  for (size_t i = 0; i < 48; ++i) {
    EXPECT_EQ(bytes[i], static_cast<uint8_t>(std::stoi(std::string(hex + 2 * i, 2), nullptr, 16))) << i;
  }
}

TEST_F(G1Test, DecoderRejectsWrongLength) {
  const auto good = rand_point().to_bytes();
  EXPECT_EQ(G1::from_bytes(std::span<const uint8_t>(good.data(), 47)).code(), ErrorCode::BAD_LENGTH);
  std::vector<uint8_t> longer(good.begin(), good.end());
  longer.push_back(0);
  EXPECT_EQ(G1::from_bytes(longer).code(), ErrorCode::BAD_LENGTH);
  EXPECT_EQ(G1::from_bytes({}).code(), ErrorCode::BAD_LENGTH);
}

TEST_F(G1Test, DecoderRejectsMalformedEncodings) {
  auto good = rand_point().to_bytes();
  auto no_flag = good;
  no_flag[0] &= 0x7f;
  EXPECT_EQ(G1::from_bytes(no_flag).code(), ErrorCode::BAD_POINT_ENCODING);

  // x = p (not reduced): p = 0x1a0111ea...aaab.
  const char* p_hex =
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
  std::array<uint8_t, 48> x_eq_p{};
  for (size_t i = 0; i < 48; ++i) x_eq_p[i] = static_cast<uint8_t>(std::stoi(std::string(p_hex + 2 * i, 2), nullptr, 16));
  x_eq_p[0] |= 0x80;
  EXPECT_EQ(G1::from_bytes(x_eq_p).code(), ErrorCode::BAD_POINT_ENCODING);

  std::array<uint8_t, 48> all_ones{};
  all_ones.fill(0xff);
  all_ones[0] = 0x9f;  // flags: compressed, not infinity, sign 0; x far above p
  EXPECT_EQ(G1::from_bytes(all_ones).code(), ErrorCode::BAD_POINT_ENCODING);

  // Infinity must be exactly 0xc0 followed by zeros.
  auto inf = G1::identity().to_bytes();
  inf[47] = 1;
  EXPECT_EQ(G1::from_bytes(inf).code(), ErrorCode::BAD_POINT_ENCODING);
  inf = G1::identity().to_bytes();
  inf[0] |= 0x20;  // infinity with a sign bit
  EXPECT_EQ(G1::from_bytes(inf).code(), ErrorCode::BAD_POINT_ENCODING);
}

TEST_F(G1Test, DecoderRejectsPointsOffTheCurve) {
  int found = 0;
  for (uint64_t x = 1; found < 5 && x < 1000; ++x) {
    if (rhs_is_square(x)) continue;
    EXPECT_EQ(G1::from_bytes(compressed_with_x(x)).code(), ErrorCode::POINT_NOT_ON_CURVE) << "x = " << x;
    ++found;
  }
  EXPECT_EQ(found, 5);
}

TEST_F(G1Test, DecoderRejectsPointsOutsideTheSubgroup) {
  // Points of E(Fp) with small x: the cofactor is about 2^126, so none of them lies in the order-r subgroup.
  int found = 0;
  for (uint64_t x = 1; found < 5 && x < 1000; ++x) {
    if (!rhs_is_square(x)) continue;
    for (const uint8_t sign : {uint8_t{0}, uint8_t{0x20}}) {
      auto bytes = compressed_with_x(x);
      bytes[0] |= sign;
      blst_p1_affine a;
      ASSERT_EQ(blst_p1_uncompress(&a, bytes.data()), BLST_SUCCESS);
      ASSERT_TRUE(blst_p1_affine_on_curve(&a));
      ASSERT_FALSE(blst_p1_affine_in_g1(&a));
      EXPECT_EQ(G1::from_bytes(bytes).code(), ErrorCode::POINT_NOT_IN_SUBGROUP) << "x = " << x;
    }
    ++found;
  }
  EXPECT_EQ(found, 5);
}

TEST_F(G1Test, BatchToAffineMatchesSingleConversions) {
  for (const int threads : {1, 2}) {
    std::vector<G1> pts(9000);
    G1 acc = rand_point();
    const G1 step = rand_point();
    for (G1& p : pts) {
      p = acc;
      acc += step;
    }
    pts[17] = G1::identity();
    const std::vector<G1Affine> aff = batch_to_affine(pts, threads);
    ASSERT_EQ(aff.size(), pts.size());
    for (size_t i = 0; i < pts.size(); i += 7) ASSERT_EQ(G1::from_affine(aff[i]), pts[i]) << i;
    EXPECT_TRUE(G1::from_affine(aff[17]).is_identity());
  }
  EXPECT_TRUE(batch_to_affine({}, 2).empty());
}

TEST_F(G1Test, HashToCurveIsDeterministicAndDomainSeparated) {
  const std::array<uint8_t, 3> msg{1, 2, 3};
  const G1 a = G1::hash_to_curve(msg, "DST-A"), b = G1::hash_to_curve(msg, "DST-A");
  const G1 c = G1::hash_to_curve(msg, "DST-B");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_TRUE(a.in_subgroup());
}

}  // namespace
}  // namespace zklora
