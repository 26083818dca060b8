// Range checks by 16-bit limbs (range_check.h), both channel modes: several columns of different widths and
// signedness in one argument, values at both ends of each range, the derived claims on the values, the batched
// opening of limbs and multiplicities, several LogUp runs; rejection of a value one past the range (a cheating
// prover whose derived top limb leaves the table) and of a tampered scaled top limb.
#include <gtest/gtest.h>

#include "test_util.h"
#include "zklora/piop/range_check.h"
#include "zklora/pcs/sigma.h"
#include "zklora/poly/mle.h"

namespace zklora {
namespace {

class RangeCheck : public ::testing::TestWithParam<ChannelMode> {};
INSTANTIATE_TEST_SUITE_P(Modes, RangeCheck, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(testing::mode_name(info.param)); });

std::vector<int64_t> values_in(std::mt19937_64& gen, size_t n, const RangeSpec& s) {
  std::vector<int64_t> v(n);
  const int64_t lo = s.is_signed ? static_cast<int64_t>(-(static_cast<u128>(1) << (s.bits - 1))) : 0;
  const u128 span = static_cast<u128>(1) << s.bits;
  for (auto& x : v) x = static_cast<int64_t>(static_cast<u128>(lo) + (static_cast<u128>(gen()) % span));
  // Both ends.
  v[0] = lo;
  v[1] = static_cast<int64_t>(static_cast<u128>(lo) + span - 1);
  return v;
}

Result<RangeCheckVerifierResult> verify(ChannelMode mode, std::span<const RangeCheckShape> shapes,
                                        std::span<const uint8_t> proof, uint64_t run_leaves = kRangeRunLeaves) {
  Transcript t("range-test");
  auto ch = make_verifier_channel(mode, t, proof);
  auto r = range_check_verify(*ch, shapes, 0, run_leaves);
  if (!r) return r.error();
  if (Status s = range_check_verify_open(*ch, *r); !s) return s.error();
  if (Status s = ch->finish(); !s) return s.error();
  return r;
}

const std::vector<RangeCheckShape> kShapes = {
    {{100}, {16, false}}, {{3, 7}, {20, true}}, {{50}, {64, true}}, {{9}, {5, false}}, {{1}, {63, false}}};

std::vector<std::vector<int64_t>> values_for(std::mt19937_64& gen, std::span<const RangeCheckShape> shapes) {
  std::vector<std::vector<int64_t>> values;
  for (const auto& s : shapes) {
    const size_t n = size_t{1} << lookup_column_vars(s.dims);
    std::vector<int64_t> v = values_in(gen, n, s.spec);
    const auto sel = lookup_selector_table(s.dims);
    for (size_t i = 0; i < n; ++i) {
      if (!sel[i]) v[i] = 0;  // padding is zero
    }
    if (s.dims.size() == 1 && s.dims[0] == 1) v[0] = (int64_t{1} << 62) + 12345;
    values.push_back(std::move(v));
  }
  return values;
}

TEST_P(RangeCheck, CompletenessAcrossWidths) {
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(11);
  const std::vector<RangeCheckShape>& shapes = kShapes;
  const std::vector<std::vector<int64_t>> values = values_for(gen, shapes);
  std::vector<RangeCheckColumn> cols;
  for (size_t c = 0; c < shapes.size(); ++c) cols.push_back({shapes[c], values[c]});
  Transcript t("range-test");
  auto ch = make_prover_channel(mode, t);
  const RangeCheckProverResult r = range_check_prove(*ch, cols);
  range_check_open(*ch, r);
  const auto proof = ch->take_proof();
  for (size_t c = 0; c < shapes.size(); ++c) {
    EXPECT_EQ(r.value_claims[c].value.value(), mle_evaluate(values[c], r.value_claims[c].point)) << c;
  }
  const auto v = verify(mode, shapes, proof);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->value_claims.size(), shapes.size());
  EXPECT_FALSE(verify(mode, std::vector<RangeCheckShape>{{{100}, {16, false}}}, proof).ok());
  // Out of range values are refused by the honest prover.
  const std::vector<int64_t> bad = {1 << 16};
  const RangeCheckColumn bc{{{1}, {16, false}}, bad};
  Transcript t2("range-test");
  auto ch2 = make_prover_channel(mode, t2);
  EXPECT_THROW((void)range_check_prove(*ch2, std::span(&bc, 1)), ZkError);
}

TEST_P(RangeCheck, SeveralLookupRuns) {
  // Runs of at most 260 leaves, first-fit decreasing: {50} x 4 limbs (256 leaves) and {1} x 4 (4) fill one,
  // {100} x 1 (128), {3, 7} x 2 (2 x 32) and {9} x 1 (16) the other; the claims and the openings span the runs.
  const ChannelMode mode = GetParam();
  std::mt19937_64 gen(13);
  const std::vector<std::vector<int64_t>> values = values_for(gen, kShapes);
  std::vector<RangeCheckColumn> cols;
  for (size_t c = 0; c < kShapes.size(); ++c) cols.push_back({kShapes[c], values[c]});
  Transcript t("range-test");
  auto ch = make_prover_channel(mode, t);
  const RangeCheckProverResult r = range_check_prove(*ch, cols, 0, 260);
  EXPECT_EQ(r.logups.size(), 2u);
  range_check_open(*ch, r);
  const auto proof = ch->take_proof();
  for (size_t c = 0; c < kShapes.size(); ++c) {
    EXPECT_EQ(r.value_claims[c].value.value(), mle_evaluate(values[c], r.value_claims[c].point)) << c;
  }
  const auto v = verify(mode, kShapes, proof, 260);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->logups.size(), 2u);
  EXPECT_FALSE(verify(mode, kShapes, proof, 512).ok());  // another run size: another transcript
  EXPECT_FALSE(verify(mode, kShapes, proof).ok());
}

TEST_P(RangeCheck, OutOfRangeValueFromACheatingProverRejected) {
  // The top limb is not committed but derived from the value and the lower limbs: a value one past its range
  // makes the derived top limb leave its width's part of the table, and LogUp's sums disagree.
  const ChannelMode mode = GetParam();
  const std::vector<std::pair<RangeSpec, int64_t>> cases = {
      {{16, false}, int64_t{1} << 16},  // one limb: the value itself
      {{48, true}, int64_t{1} << 47},   // three limbs, the top one 2^16
      {{12, false}, int64_t{1} << 12},  // a 12-bit top limb of 2^12
      {{20, false}, int64_t{1} << 20},  // a 4-bit top limb of 16
      {{16, false}, -1},                // a negative value in an unsigned range
  };
  for (const auto& [spec, bad] : cases) {
    const RangeCheckShape shape{{6}, spec};
    std::vector<int64_t> vals = {0, 1, 2, 3, bad, 5, 0, 0};
    const RangeCheckColumn col{shape, vals};
    Transcript t("range-test");
    auto ch = make_prover_channel(mode, t);
    ch->allow_false_relations();
    const RangeCheckProverResult r = range_check_prove(*ch, std::span(&col, 1));
    range_check_open(*ch, r);
    const auto v = verify(mode, std::span(&shape, 1), ch->proof());
    ASSERT_FALSE(v.ok()) << spec.bits << " " << bad;
    EXPECT_EQ(v.code(), ErrorCode::LOOKUP_SUM_MISMATCH) << v.error().to_string();
    // The honest prover refuses it.
    Transcript t2("range-test");
    auto honest = make_prover_channel(mode, t2);
    EXPECT_THROW((void)range_check_prove(*honest, std::span(&col, 1)), ZkError);
  }
}

TEST_P(RangeCheck, TamperedTopLimb) {
  const ChannelMode mode = GetParam();
  const bool clear = mode == ChannelMode::CLEAR;
  std::mt19937_64 gen(12);
  const std::vector<RangeCheckShape> shapes = {{{8}, {12, false}}};
  const auto vals = values_in(gen, 8, shapes[0].spec);
  const RangeCheckColumn col{shapes[0], vals};
  Transcript t("range-test");
  auto ch = make_prover_channel(mode, t);
  const RangeCheckProverResult r = range_check_prove(*ch, std::span(&col, 1));
  const size_t before_open = ch->proof().size();
  range_check_open(*ch, r);
  auto proof = ch->take_proof();
  ASSERT_TRUE(verify(mode, shapes, proof).ok());
  // The last column evaluation (the 12-bit top limb, looked up with its width as tag) sits before LogUp's three
  // leaf checks: changed, LogUp's leaf check fails.
  const size_t at = before_open - (clear ? Fr::kBytes : G1::kBytes + 3 * ZeroProof::kBytes);
  if (clear) {
    testing::bump_fr(proof, at);
  } else {
    testing::bump_g1(proof, at);
  }
  EXPECT_EQ(verify(mode, shapes, proof).code(), ErrorCode::LOOKUP_COLUMN_MISMATCH);
}

}  // namespace
}  // namespace zklora
