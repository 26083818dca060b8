// Zero padding of a committed tensor (piop/padding.h): complete in both channel modes and the claim it returns is
// the tensor's MLE; a non-zero padding entry is refused by the honest prover and rejected from a cheating one; a
// changed evaluation is rejected; a shape without padding has nothing to prove.
#include <gtest/gtest.h>

#include "piop/test_util.h"
#include "zklora/piop/padding.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

struct PaddingRun {
  std::vector<uint8_t> proof;
  ProverClaim claim;
};

PaddingRun prove(ChannelMode mode, const std::vector<uint64_t>& dims, const std::vector<int64_t>& padded, bool cheat = false) {
  Transcript t("padding-test");
  auto ch = make_prover_channel(mode, t);
  if (cheat) ch->allow_false_relations();
  ProverClaim c = zero_padding_prove(*ch, dims, TableView(padded));
  return {ch->take_proof(), std::move(c)};
}

Result<VerifierClaim> verify(ChannelMode mode, const std::vector<uint64_t>& dims, const std::vector<uint8_t>& proof) {
  Transcript t("padding-test");
  auto ch = make_verifier_channel(mode, t, proof);
  auto c = zero_padding_verify(*ch, dims);
  if (!c) return c;
  if (Status s = ch->finish(); !s) return s.error();
  return c;
}

std::vector<int64_t> padded_random(const std::vector<uint64_t>& dims, uint64_t seed) {
  std::mt19937_64 g(seed);
  const PaddedShape shape(dims);
  const std::vector<int64_t> v = testing::random_ints(g, shape.numel(), 20);
  return shape.pad(std::span<const int64_t>(v));
}

TEST(ZeroPadding, CompleteInBothModes) {
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    for (const std::vector<uint64_t>& dims : {std::vector<uint64_t>{5, 48}, {3}, {6, 1, 7}}) {
      const std::vector<int64_t> padded = padded_random(dims, dims.size());
      ASSERT_TRUE(has_padding(dims));
      const PaddingRun r = prove(mode, dims, padded);
      auto c = verify(mode, dims, r.proof);
      ASSERT_TRUE(c.ok()) << testing::mode_name(mode) << ": " << c.error().to_string();
      EXPECT_EQ(r.claim.point, c->point);
      EXPECT_EQ(r.claim.value.value(), mle_evaluate(TableView(padded), r.claim.point));
    }
  }
  EXPECT_FALSE(has_padding(std::vector<uint64_t>{4, 8}));
}

TEST(ZeroPadding, NonZeroPaddingRefusedAndRejected) {
  const std::vector<uint64_t> dims{5, 48};
  std::vector<int64_t> padded = padded_random(dims, 1);
  padded[64 * 2 + 50] = 1;  // row 2, column 50 >= 48
  EXPECT_THROW((void)prove(ChannelMode::CLEAR, dims, padded), ZkError);
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    const PaddingRun r = prove(mode, dims, padded, true);
    auto c = verify(mode, dims, r.proof);
    ASSERT_FALSE(c.ok()) << testing::mode_name(mode);
    EXPECT_GE(static_cast<int>(c.code()), 100) << c.error().to_string();
  }
  // Only in a padding row.
  padded = padded_random(dims, 2);
  padded[64 * 6 + 3] = -7;
  const PaddingRun r = prove(ChannelMode::CLEAR, dims, padded, true);
  EXPECT_FALSE(verify(ChannelMode::CLEAR, dims, r.proof).ok());
}

TEST(ZeroPadding, ChangedEvaluationOrShapeRejected) {
  const std::vector<uint64_t> dims{5, 48};
  const PaddingRun r = prove(ChannelMode::CLEAR, dims, padded_random(dims, 3));
  auto bad = r.proof;
  testing::bump_fr(bad, bad.size() - Fr::kBytes);  // the evaluation, the last value sent
  EXPECT_EQ(verify(ChannelMode::CLEAR, dims, bad).code(), ErrorCode::SUMCHECK_FINAL_MISMATCH);
  EXPECT_FALSE(verify(ChannelMode::CLEAR, {5, 47}, r.proof).ok());
}

}  // namespace
}  // namespace zklora
