// ByteWriter / ByteReader: round trips, and every way a byte string can be wrong, each with its own code.
#include "zklora/pcs/codec.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zklora/curve/generators.h"

namespace zklora {
namespace {

TEST(Codec, RoundTrip) {
  std::mt19937_64 gen(41);
  const Fr f = Fr::random(gen);
  const G1 p = derive_generator(3) * Fr::random(gen);
  ByteWriter w;
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(0x0123456789abcdefULL);
  w.fr(f);
  w.g1(p);
  w.g1(p.to_affine());
  w.g1(G1::identity());
  EXPECT_EQ(w.size(), 1u + 4 + 8 + 32 + 48 * 3);
  ByteReader r(w.bytes());
  EXPECT_EQ(*r.u8("a"), 7);
  EXPECT_EQ(*r.u32("b"), 0xdeadbeefu);
  EXPECT_EQ(*r.u64("c"), 0x0123456789abcdefULL);
  EXPECT_EQ(*r.fr("d"), f);
  EXPECT_EQ(*r.g1("e"), p);
  auto two = r.g1_affines(2, "f");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(G1::from_affine((*two)[0]), p);
  EXPECT_TRUE(G1::from_affine((*two)[1]).is_identity());
  EXPECT_TRUE(r.finish().ok());
}

TEST(Codec, TruncatedAndTrailing) {
  ByteWriter w;
  w.fr(Fr::one());
  std::vector<uint8_t> b = w.take();
  b.pop_back();
  ByteReader r(b);
  EXPECT_EQ(r.fr("x").code(), ErrorCode::TRUNCATED_PROOF);
  ByteReader r2(b);
  EXPECT_EQ(r2.frs(1000000, "many").code(), ErrorCode::TRUNCATED_PROOF);  // no allocation for absent items
  EXPECT_EQ(r2.g1_affines(1000000, "many").code(), ErrorCode::TRUNCATED_PROOF);
  ByteReader r3(b);
  (void)r3.u8("one");
  EXPECT_EQ(r3.finish().code(), ErrorCode::TRAILING_PROOF_BYTES);
}

TEST(Codec, InvalidItems) {
  // A field element >= r.
  std::vector<uint8_t> big(32, 0xff);
  EXPECT_EQ(ByteReader(big).fr("x").code(), ErrorCode::NON_CANONICAL_FIELD);
  // Points: no compression flag; x not on the curve; a curve point outside the subgroup.
  std::vector<uint8_t> p(48, 0);
  EXPECT_EQ(ByteReader(p).g1("p").code(), ErrorCode::BAD_POINT_ENCODING);
  auto good = G1::generator().to_bytes();
  std::vector<uint8_t> q(good.begin(), good.end());
  q[47] ^= 1;  // a nearby x: a non-square x^3 + 4 or a point outside G1, never the same point
  const auto code = ByteReader(q).g1("p").code();
  EXPECT_TRUE(code == ErrorCode::POINT_NOT_ON_CURVE || code == ErrorCode::POINT_NOT_IN_SUBGROUP);
  // Find explicit examples of both by walking x.
  bool not_on_curve = false, not_in_group = false;
  for (int i = 0; i < 64 && !(not_on_curve && not_in_group); ++i) {
    q[47] = static_cast<uint8_t>(i);
    const auto c = ByteReader(q).g1("p").code();
    not_on_curve |= c == ErrorCode::POINT_NOT_ON_CURVE;
    not_in_group |= c == ErrorCode::POINT_NOT_IN_SUBGROUP;
  }
  EXPECT_TRUE(not_on_curve);
  EXPECT_TRUE(not_in_group);
  // Batch decoding reports the first bad point.
  ByteWriter w;
  w.g1(G1::generator());
  w.raw(p);
  w.g1(G1::generator());
  ByteReader r(w.bytes());
  const auto batch = r.g1_affines(3, "row");
  EXPECT_EQ(batch.code(), ErrorCode::BAD_POINT_ENCODING);
  EXPECT_NE(batch.error().message.find("byte 48"), std::string::npos) << batch.error().message;
}

}  // namespace
}  // namespace zklora
