// The channel in both modes: what is sent, linear maps mirrored on both sides, relations checked with the
// caller's error code, proofs of product, the transcript check, truncated and trailing streams; and that the
// zero-knowledge stream does not contain the values.
#include "zklora/piop/channel.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_util.h"
#include "zklora/pcs/pedersen.h"

namespace zklora {
namespace {

using testing::random_frs;

class Channel : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, Channel, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

// The prover: sends a, b, c = a + 2b (derived, not sent), p = a * b; proves c - a - 2b = 0 and a public value.
std::vector<uint8_t> prove(ChannelMode mode, const Fr& a, const Fr& b) {
  Transcript t("channel-test");
  auto ch = make_prover_channel(mode, t);
  ch->sync("start");
  const auto v = ch->send("ab", std::vector<Fr>{a, b});
  const ProverValue c = v[0] + v[1] * Fr::from_u64(2);
  ch->prove_zero("linear", c - v[0] - Fr::from_u64(2) * v[1]);
  ch->send_public("public", std::vector<Fr>{Fr::from_u64(9)});
  const ProverValue p = ch->mul("product", v[0], v[1]);
  ch->prove_equal("product-value", p, ProverValue::constant(a * b));
  const Fr x = ch->challenge("x");
  ch->prove_zero("after-challenge", (v[0] + x) - v[0] - ProverValue::constant(x));
  return ch->take_proof();
}

Status verify(ChannelMode mode, std::span<const uint8_t> proof, const Fr& expected_product,
              std::string_view protocol = "channel-test") {
  Transcript t(protocol);
  auto ch = make_verifier_channel(mode, t, proof);
  if (Status s = ch->sync("start"); !s) return s;
  auto v = ch->receive("ab", 2);
  if (!v) return v.error();
  const VerifierValue c = (*v)[0] + (*v)[1] * Fr::from_u64(2);
  if (Status s = ch->check_zero("linear", c - (*v)[0] - Fr::from_u64(2) * (*v)[1], ErrorCode::PROOF_REJECTED, "lin");
      !s) {
    return s;
  }
  auto pub = ch->receive_public("public", 1);
  if (!pub) return pub.error();
  if ((*pub)[0] != Fr::from_u64(9)) return make_error(ErrorCode::PROOF_REJECTED, "public value");
  auto p = ch->mul("product", (*v)[0], (*v)[1], ErrorCode::SUMCHECK_FINAL_MISMATCH, "product");
  if (!p) return p.error();
  if (Status s = ch->check_equal("product-value", *p, VerifierValue::constant(expected_product),
                                 ErrorCode::RELATION_MISMATCH, "value");
      !s) {
    return s;
  }
  const Fr x = ch->challenge("x");
  if (Status s = ch->check_zero("after-challenge", ((*v)[0] + x) - (*v)[0] - VerifierValue::constant(x),
                                ErrorCode::PROOF_REJECTED, "constant");
      !s) {
    return s;
  }
  return ch->finish();
}

TEST_P(Channel, Completeness) {
  std::mt19937_64 gen(71);
  const auto ab = random_frs(gen, 2);
  const auto proof = prove(GetParam(), ab[0], ab[1]);
  EXPECT_TRUE(verify(GetParam(), proof, ab[0] * ab[1]).ok());
  const size_t expect = GetParam() == ChannelMode::CLEAR ? 16 + 2 * 32 + 32
                                                         : 16 + 2 * 48 + 80 + 32 + 48 + 304 + 80 + 80;
  EXPECT_EQ(proof.size(), expect);
}

TEST_P(Channel, RejectsWithTheCallersCode) {
  std::mt19937_64 gen(72);
  const auto ab = random_frs(gen, 2);
  const auto proof = prove(GetParam(), ab[0], ab[1]);
  EXPECT_EQ(verify(GetParam(), proof, ab[0] * ab[1] + Fr::one()).code(), ErrorCode::RELATION_MISMATCH);
  EXPECT_EQ(verify(GetParam(), proof, ab[0] * ab[1], "other").code(), ErrorCode::TRANSCRIPT_MISMATCH);
  std::vector<uint8_t> cut(proof.begin(), proof.end() - 1);
  EXPECT_EQ(verify(GetParam(), cut, ab[0] * ab[1]).code(), ErrorCode::TRUNCATED_PROOF);
  auto longer = proof;
  longer.push_back(0);
  EXPECT_EQ(verify(GetParam(), longer, ab[0] * ab[1]).code(), ErrorCode::TRAILING_PROOF_BYTES);
  // A tampered first value: the product no longer holds.
  auto bad = proof;
  if (GetParam() == ChannelMode::CLEAR) {
    testing::bump_fr(bad, 16);
    EXPECT_EQ(verify(GetParam(), bad, ab[0] * ab[1]).code(), ErrorCode::RELATION_MISMATCH);
  } else {
    testing::bump_g1(bad, 16);  // the verifier's view of a changes: the proofs no longer verify
    EXPECT_FALSE(verify(GetParam(), bad, ab[0] * ab[1]).ok());
  }
}

TEST_P(Channel, ProverRefusesFalseRelations) {
  Transcript t("channel-test");
  auto ch = make_prover_channel(GetParam(), t);
  const ProverValue v = ch->send("v", Fr::from_u64(3));
  EXPECT_THROW(ch->prove_zero("nonzero", v), ZkError);
  EXPECT_THROW(ch->prove_zero("nonzero-constant", ProverValue::constant(Fr::one())), ZkError);
}

TEST(ChannelZk, StreamHidesValues) {
  // Small values: their 32-byte encodings would be easy to spot in a clear stream.
  const Fr a = Fr::from_u64(0x1234567), b = Fr::from_u64(0x7654321);
  const auto clear = prove(ChannelMode::CLEAR, a, b);
  const auto zk = prove(ChannelMode::ZERO_KNOWLEDGE, a, b);
  const auto enc = a.to_bytes();
  EXPECT_NE(std::search(clear.begin(), clear.end(), enc.begin(), enc.end()), clear.end());
  EXPECT_EQ(std::search(zk.begin(), zk.end(), enc.begin(), enc.end()), zk.end());
  // Two proofs of the same values differ (fresh blinding factors).
  EXPECT_NE(zk, prove(ChannelMode::ZERO_KNOWLEDGE, a, b));
}

// x = 1 with the compression flag: 1 + 4 is not a square mod p, so no point of the curve has it.
void put_point_off_the_curve(std::vector<uint8_t>& bytes, size_t offset) {
  bytes[offset] = 0x80;
  std::fill(bytes.begin() + static_cast<ptrdiff_t>(offset) + 1, bytes.begin() + static_cast<ptrdiff_t>(offset) + 47, 0);
  bytes[offset + 47] = 1;
}

TEST(ChannelZk, PointsAreDecodedTogetherAndABadOneIsNamed) {
  std::mt19937_64 gen(73);
  const auto ab = random_frs(gen, 2);
  const auto proof = prove(ChannelMode::ZERO_KNOWLEDGE, ab[0], ab[1]);
  // A sent value: reported by the flush that decodes it, with its message's label.
  auto bad = proof;
  put_point_off_the_curve(bad, 16 + 48);
  Status v = verify(ChannelMode::ZERO_KNOWLEDGE, bad, ab[0] * ab[1]);
  EXPECT_EQ(v.code(), ErrorCode::POINT_NOT_ON_CURVE);
  EXPECT_EQ(v.error().message.rfind("ab: ", 0), 0u) << v.error().message;
  // A proof of product's first message (after the stream's sync, the two values, the proof of zero, the public
  // value and the product's commitment).
  bad = proof;
  put_point_off_the_curve(bad, 16 + 2 * 48 + 80 + 32 + 48);
  v = verify(ChannelMode::ZERO_KNOWLEDGE, bad, ab[0] * ab[1]);
  EXPECT_EQ(v.code(), ErrorCode::POINT_NOT_ON_CURVE);
  EXPECT_NE(v.error().message.find("product-proof commitment"), std::string::npos) << v.error().message;
  // A value's commitment needs the points decoded first.
  Transcript t("channel-test");
  auto ch = make_verifier_channel(ChannelMode::ZERO_KNOWLEDGE, t, proof);
  ASSERT_TRUE(ch->sync("start").ok());
  auto got = ch->receive("ab", 2);
  ASSERT_TRUE(got.ok());
  EXPECT_THROW((void)(*got)[0].commitment(), ZkError);
  ASSERT_TRUE(ch->decode_points().ok());
  EXPECT_FALSE((*got)[0].commitment().is_identity());
}

TEST(ChannelValues, CommitmentOfAClearValue) {
  const VerifierValue c = VerifierValue::constant(Fr::from_u64(5));
  EXPECT_EQ(c.commitment(), pedersen_value_generator() * Fr::from_u64(5));
  EXPECT_TRUE((c * Fr::from_u64(2)).is_constant());
}

}  // namespace
}  // namespace zklora
