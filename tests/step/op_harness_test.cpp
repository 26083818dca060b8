// Every operation of the step graph through the per-operation harness (op_harness.h): completeness in both
// channels, every message tampered, another transcript, and a one-entry change of every output and helper, each
// rejected with its exact error. One case per operation; a new operation adds its case to op_cases().
#include <gtest/gtest.h>

#include <set>

#include "piop/test_util.h"
#include "step/op_harness.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/tables.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/attention/attention_backward_ops.h"
#include "zklora/ops/attention/attention_ops.h"
#include "zklora/ops/cross_entropy/cross_entropy_op.h"
#include "zklora/ops/cross_entropy/target_mask_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/matmul/row_contraction_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_backward_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_op.h"
#include "zklora/ops/rope/rope_op.h"
#include "zklora/ops/softmax/softmax_op.h"
#include "zklora/ops/swiglu/swiglu_backward_op.h"
#include "zklora/ops/swiglu/swiglu_op.h"
#include "zklora/ops/update/adamw_update_op.h"
#include "zklora/ops/update/clip_op.h"
#include "zklora/ops/update/mean_gradient_op.h"
#include "zklora/ops/update/sgd_update_op.h"

namespace zklora::testing {
namespace {

// A changed value makes some claim false; the prover fits every sumcheck to its claims, so the first final check
// that reads a false evaluation fails: the operation's own, or the openings' move of claims to one point.
constexpr ErrorCode kFinal = ErrorCode::SUMCHECK_FINAL_MISMATCH;
// A changed digit or table output leaves its tuple outside the table: the LogUp sums differ.
constexpr ErrorCode kLookup = ErrorCode::LOOKUP_SUM_MISMATCH;
// A linear relation checked by a proof of zero where its claims are.
constexpr ErrorCode kRelation = ErrorCode::RELATION_MISMATCH;

// Activation-like inputs: signed 20 bits, range checked as activations.
HarnessInput act(const std::string& name, std::vector<uint64_t> dims, uint64_t seed, int64_t bound = 1 << 19) {
  const size_t n = numel(dims);
  return {name, std::move(dims), uniform(n, -bound, bound - 1, seed), RangeSpec{48, true}, nullptr};
}

// Weight-like inputs: signed 16 bits, range checked as weights.
HarnessInput weight(const std::string& name, std::vector<uint64_t> dims, uint64_t seed) {
  const size_t n = numel(dims);
  return {name, std::move(dims), uniform(n, -(1 << 15), (1 << 15) - 1, seed), RangeSpec{32, true}, nullptr};
}

std::vector<OpCase> make_cases() {
  std::vector<OpCase> c;
  // Shapes are not powers of two, so padding takes part everywhere.
  c.push_back({"matmul",
               [] { return MatmulOp::linear({2, 3}, 5, 6); },
               {act("x", {2, 3, 5}, 1), weight("w", {6, 5}, 2)},
               {{"", kFinal}}});
  // The adapter gradients' contraction over the rows (dB = dl^T a before its rescaling).
  c.push_back({"row_contraction",
               [] { return std::make_unique<RowContractionOp>(std::vector<uint64_t>{2, 3}, 5, 3); },
               {act("x", {2, 3, 5}, 4), act("z", {2, 3, 3}, 5)},
               {{"", kFinal}}});
  c.push_back({"rescale",
               [] { return std::make_unique<RescaleOp>(std::vector<uint64_t>{3, 5}, 16, 3); },
               {act("p", {3, 5}, 3, int64_t{1} << 40)},
               {{"", kFinal}, {"remainder", kFinal}}});
  c.push_back({"add",
               [] { return std::make_unique<AddOp>(std::vector<uint64_t>{3, 5}); },
               {act("a", {3, 5}, 4), act("b", {3, 5}, 5)},
               {{"", kFinal}}});
  // An input gradient's base products joining its LoRA products: y = 2^8 a + b.
  c.push_back({"add_scaled",
               [] { return std::make_unique<AddOp>(std::vector<uint64_t>{3, 5}, 256); },
               {act("a", {3, 5}, 14), act("b", {3, 5}, 15)},
               {{"", kFinal}}});
  {
    HarnessInput tok{"tok", {2, 3}, uniform(6, 0, 10, 6), RangeSpec{16, false}, nullptr};
    c.push_back({"embedding",
                 [] { return std::make_unique<EmbeddingOp>(std::vector<uint64_t>{2, 3}, 11, 5); },
                 {weight("e", {11, 5}, 7), tok},
                 {{"", kFinal}, {"one_hot", kFinal}}});
  }
  {
    HarnessInput g{"g", {5}, uniform(5, 1 << 14, 1 << 17, 8), RangeSpec{32, true}, nullptr};
    c.push_back({"rmsnorm",
                 [] { return std::make_unique<RmsNormOp>(std::vector<uint64_t>{2, 3, 5}, 1e-5); },
                 {act("x", {2, 3, 5}, 9), g},
                 {{"", kFinal},
                  {"normalized", kFinal},
                  {"rsqrt", kFinal},
                  {"remainder_n", kFinal},
                  {"remainder_y", kFinal},
                  {"slack_lo", kFinal},
                  {"slack_hi", kFinal},
                  {"slack2_lo", kFinal},
                  {"slack2_hi", kFinal}}});
  }
  {
    // Three heads of width 4 (the head dimension padded to 4 heads): the half swap is one coordinate flip.
    HarnessInput cos{"cos", {3, 2}, {}, {}, std::make_shared<RopeTableTensor>(3, 4, 10000.0, false)};
    HarnessInput sin{"sin", {3, 2}, {}, {}, std::make_shared<RopeTableTensor>(3, 4, 10000.0, true)};
    c.push_back({"rope",
                 [] { return std::make_unique<RopeOp>(2, 3, 3, 4); },
                 {act("x", {2, 3, 12}, 10), cos, sin},
                 {{"", kFinal}, {"remainder", kFinal}}});
    // The backward rotation of a gradient of up to 2^40 (sin negated).
    HarnessInput dy{"dy", {2, 3, 12}, uniform(72, -(int64_t{1} << 40), (int64_t{1} << 40) - 1, 14), kGradientRange,
                    nullptr};
    c.push_back({"rope_backward",
                 [] { return std::make_unique<RopeOp>(2, 3, 3, 4, true); },
                 {dy, cos, sin},
                 {{"", kFinal}, {"remainder", kFinal}}});
  }
  {
    // Two sequences of three tokens, four query heads sharing two key-value heads of width 4.
    const HeadShape hs{2, 3, 4, 2, 4};
    c.push_back({"attention_scores",
                 [hs] { return std::make_unique<AttentionScoresOp>(hs); },
                 {act("q", {2, 3, 16}, 11), act("k", {2, 3, 8}, 12)},
                 {{"", kFinal}}});
    HarnessInput probs{"p", {2, 4, 3, 3}, uniform(72, 0, 1 << 16, 13), RangeSpec{17, false}, nullptr};
    c.push_back({"attention_context",
                 [hs] { return std::make_unique<AttentionContextOp>(hs); },
                 {probs, act("v", {2, 3, 8}, 14)},
                 {{"", kFinal}}});
  }
  {
    // Scores of two sequences of three tokens, two heads; the causal mask is public.
    HarnessInput scores{"a", {2, 2, 3, 3}, uniform(36, -(int64_t{1} << 36), int64_t{1} << 36, 15), RangeSpec{48, true},
                        nullptr};
    HarnessInput mask{"mask", {2, 2, 3, 3}, {}, {}, std::make_shared<CausalMaskTensor>(2, 2, 3)};
    c.push_back({"causal_softmax",
                 [] { return std::make_unique<CausalSoftmaxOp>(2, 2, 3, int64_t{1} << 15); },
                 {scores, mask},
                 {{"", kFinal},
                  {"max", kFinal},
                  {"argmax", kFinal},
                  {"gap_lo", kLookup},
                  {"gap_hi", kLookup},
                  {"exp_lo", kLookup},
                  {"exp_hi", kLookup},
                  {"exp_remainder", kFinal},
                  {"score_remainder", kFinal},
                  {"exp", kFinal},
                  {"div_remainder", kFinal},
                  {"div_slack", kFinal}}});
  }
  {
    // Gates up to 2^22 (64 in real terms): many beyond the sigmoid table's domain [-16, 16), clamped.
    c.push_back({"swiglu",
                 [] { return std::make_unique<SwigluOp>(std::vector<uint64_t>{2, 3, 5}); },
                 {act("gate", {2, 3, 5}, 16, int64_t{1} << 22), act("up", {2, 3, 5}, 17)},
                 {{"", kFinal},
                  {"sigma", kLookup},
                  {"index_remainder", kFinal},
                  {"index", kLookup},
                  {"clamp_overflow", kFinal},
                  {"remainder", kFinal}}});
  }
  {
    // Attention's backward pass: the group sums of the kv gradients (four query heads over two kv heads) and the
    // softmax's backward over probabilities and a gradient of up to 2^30.
    const HeadShape hs{2, 3, 4, 2, 4};
    HarnessInput y{"y", {2, 4, 3, 3}, uniform(72, -(1 << 17), 1 << 17, 71), RangeSpec{49, true}, nullptr};
    c.push_back({"attention_group_sum",
                 [hs] { return std::make_unique<AttentionGroupSumOp>(hs); },
                 {y, act("x", {2, 3, 16}, 72)},
                 {{"", kFinal}}});
    HarnessInput probs{"p", {2, 4, 3, 3}, uniform(72, 0, 1 << 16, 73), RangeSpec{17, false}, nullptr};
    HarnessInput dp{"dp", {2, 4, 3, 3}, uniform(72, -(int64_t{1} << 30), (int64_t{1} << 30) - 1, 74), kGradientRange,
                    nullptr};
    c.push_back({"softmax_backward",
                 [] { return std::make_unique<SoftmaxBackwardOp>(2, 4, 3); },
                 {probs, dp},
                 {{"", kFinal}, {"mean", kFinal}, {"mean_remainder", kFinal}, {"remainder", kFinal}}});
  }
  {
    // The mean gradient over N = 5 targets, then the SGD update with lr 0.01, without and with momentum 0.9
    // (hyper-parameters at 2^32).
    const std::vector<uint64_t> d{3, 5};
    const RangeSpec state{63, true};
    HarnessInput grad{"grad", d, uniform(15, -(int64_t{1} << 40), int64_t{1} << 40, 61), kGradientRange, nullptr};
    HarnessInput mean{"mean", d, uniform(15, -(int64_t{1} << 40), int64_t{1} << 40, 64), state, nullptr};
    HarnessInput theta{"theta", d, uniform(15, -(int64_t{1} << 40), int64_t{1} << 40, 62), state, nullptr};
    HarnessInput buffer{"buffer", d, uniform(15, -(int64_t{1} << 40), int64_t{1} << 40, 63), state, nullptr};
    const int64_t lr = 42949673, mu = 3865470566;
    c.push_back({"mean_gradient",
                 [d] { return std::make_unique<MeanGradientOp>(d, 5); },
                 {grad},
                 {{"", kRelation}, {"remainder", kRelation}, {"slack", kRelation}}});
    c.push_back({"sgd_update",
                 [d, lr] { return std::make_unique<SgdUpdateOp>(d, lr, 0); },
                 {mean, theta},
                 {{"", kRelation}, {"update_remainder", kRelation}, {"update", kRelation}}});
    c.push_back({"sgd_momentum_update",
                 [d, lr, mu] { return std::make_unique<SgdUpdateOp>(d, lr, mu); },
                 {mean, theta, buffer},
                 {{"", kRelation},
                  {"buffer", kRelation},
                  {"update_remainder", kRelation},
                  {"update", kRelation},
                  {"momentum_remainder", kRelation},
                  {"momentum_decay", kRelation}}});
  }
  {
    // The AdamW update at step 1 from a mean gradient below 2^34: lr 1e-3, betas 0.9 and 0.999, eps 1e-8, weight decay 0.01.
    const std::vector<uint64_t> d{3, 5};
    const RangeSpec state{63, true};
    const AdamwConstants k = adamw_constants(4294967, 3865470566, 4290672329, 43, 42950, 1);
    HarnessInput grad{"mean", d, uniform(15, -(int64_t{1} << 34), int64_t{1} << 34, 51), state, nullptr};
    HarnessInput theta{"theta", d, uniform(15, -(int64_t{1} << 40), int64_t{1} << 40, 52), state, nullptr};
    HarnessInput m{"m", d, uniform(15, -(int64_t{1} << 36), int64_t{1} << 36, 53), state, nullptr};
    HarnessInput v{"v", d, uniform(15, 0, int64_t{1} << 40, 54), state, nullptr};
    std::map<std::string, HarnessChange> changes;
    for (const char* name : {"", "first_moment", "second_moment", "first_corrected", "second_corrected",
                             "root", "step", "decay_remainder", "first_remainder", "second_remainder",
                             "square_remainder", "decay", "square",
                             "first_corrected_remainder", "first_corrected_slack", "second_corrected_remainder",
                             "second_corrected_slack", "root_low", "root_high", "step_remainder", "step_slack"}) {
      changes.emplace(name, kRelation);
    }
    // Read by a relation with products: the sumcheck's final check fails first.
    for (const char* name : {"first_corrected", "second_corrected", "square_remainder", "root_low", "root_high"}) {
      changes.at(name) = HarnessChange(kFinal);
    }
    c.push_back({"adamw_update", [d, k] { return std::make_unique<AdamwUpdateOp>(d, k); }, {grad, theta, m, v},
                 changes});
  }
  {
    // Global-norm clipping of two mean gradients of about 1.0 (2^32): the norm, about 4.8, is above a clip of 2.0
    // (clipped) and below one of 16.0 (kept).
    const RangeSpec state{63, true};
    HarnessInput g0{"g0", {3, 5}, uniform(15, -(int64_t{1} << 32), int64_t{1} << 32, 41), state, nullptr};
    HarnessInput g1{"g1", {2, 4}, uniform(8, -(int64_t{1} << 32), int64_t{1} << 32, 42), state, nullptr};
    std::map<std::string, HarnessChange> changes;
    for (const char* name : {"0", "1", "norm", "flag", "root_low", "root_high", "decision", "quotient0", "remainder0",
                             "slack0", "quotient1", "remainder1", "slack1"}) {
      changes.emplace(name, kRelation);
    }
    const std::vector<std::vector<uint64_t>> dims{{3, 5}, {2, 4}};
    c.push_back({"clip", [dims] { return std::make_unique<ClipOp>(dims, int64_t{1} << 33, 4295); }, {g0, g1}, changes});
    c.push_back({"clip_kept", [dims] { return std::make_unique<ClipOp>(dims, int64_t{1} << 36, 4295); }, {g0, g1},
                 changes});
  }
  {
    // RMSNorm's backward pass: a gradient of up to 2^30, the forward's n and 1/rms (up to 2^33, 0.5 in real terms).
    const std::vector<uint64_t> d{2, 3, 5}, rows{2, 3};
    HarnessInput dy{"dy", d, uniform(numel(d), -(int64_t{1} << 30), (int64_t{1} << 30) - 1, 81), kGradientRange,
                    nullptr};
    HarnessInput r{"rsqrt", rows, uniform(numel(rows), 0, int64_t{1} << 33, 82), RangeSpec{34, false}, nullptr};
    c.push_back({"rmsnorm_backward",
                 [] { return std::make_unique<RmsNormBackwardOp>(std::vector<uint64_t>{2, 3, 5}); },
                 {dy, weight("gain", {5}, 83), act("normalized", d, 84), r},
                 {{"", kFinal},
                  {"mean", kFinal},
                  {"remainder", kFinal},
                  {"mean_remainder", kFinal},
                  {"mean_slack", kFinal}}});
  }
  {
    // The backward pass over the forward's tensors (sigma = sigmoid_fixed(gate): the forward proves it) and a
    // gradient of up to 2^30.
    const std::vector<uint64_t> d{2, 3, 5};
    HarnessInput gate = act("gate", d, 93, int64_t{1} << 22);
    std::vector<int64_t> sig(gate.values.size());
    for (size_t i = 0; i < sig.size(); ++i) sig[i] = sigmoid_fixed(gate.values[i]);
    HarnessInput sigma{"sigma", d, std::move(sig), RangeSpec{17, false}, nullptr};
    HarnessInput dh{"dh", d, uniform(numel(d), -(int64_t{1} << 30), (int64_t{1} << 30) - 1, 92), kGradientRange,
                    nullptr};
    c.push_back({"swiglu_backward",
                 [] { return std::make_unique<SwigluBackwardOp>(std::vector<uint64_t>{2, 3, 5}); },
                 {gate, act("up", d, 94), sigma, dh},
                 {{"", kFinal},
                  {"up", kFinal},
                  {"slope", kFinal},
                  {"up_remainder", kFinal},
                  {"slope_remainder", kFinal},
                  {"remainder", kFinal}}});
  }
  {
    // Two sequences of three tokens over a vocabulary of 7: the first has targets on rows 0 and 1, the second on
    // row 0 only; the targets are the next rows' one-hot tokens.
    const std::vector<int64_t> tokens = {2, 5, 1, 6, 0, 3};
    std::vector<int64_t> oh(6 * 7, 0);
    for (size_t t = 0; t < 6; ++t) oh[t * 7 + static_cast<size_t>(tokens[t])] = 1;
    HarnessInput ohi{"one_hot", {2, 3, 7}, oh, RangeSpec{1, false}, nullptr};
    HarnessInput mask{"mask", {2, 3}, {1, 1, 0, 1, 0, 0}, RangeSpec{1, false}, nullptr};
    const std::map<std::string, HarnessChange> loss_changes{
        {"", kFinal},          {"max", kFinal},      {"argmax", kFinal},        {"gap_lo", kLookup},
        {"gap_hi", kLookup},   {"exp_lo", kLookup},  {"exp_hi", kLookup},       {"exp_remainder", kFinal},
        {"mantissa", kLookup}, {"log", kLookup},     {"exponent", kLookup},     {"scale", kLookup},
        {"log_remainder", kFinal}, {"exp", kFinal},  {"log_slack", kFinal}};
    c.push_back({"cross_entropy", [] { return std::make_unique<CrossEntropyOp>(2, 3, 7); },
                 {act("logits", {2, 3, 7}, 18), ohi, mask}, loss_changes});
    // The same with the gradient of the summed loss as a second output (a training step).
    std::map<std::string, HarnessChange> grad_changes = loss_changes;
    for (const char* name : {"grad", "count", "prob", "div_remainder", "div_slack"}) grad_changes.emplace(name, kFinal);
    c.push_back({"cross_entropy_grad", [] { return std::make_unique<CrossEntropyOp>(2, 3, 7, true); },
                 {act("logits", {2, 3, 7}, 18), ohi, mask}, grad_changes});
    // The same mask from the rows' numbers of targets (2 and 1): a changed entry breaks its rules or its sums.
    c.push_back({"target_mask", [] { return std::make_unique<TargetMaskOp>(2, 3); },
                 {{"counts", {2}, {2, 1}, RangeSpec{2, false}, nullptr}},
                 {{"", kFinal}}});
  }
  return c;
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = make_cases();
  return cases;
}

namespace {

class OpHarness : public ::testing::TestWithParam<size_t> {
 protected:
  const OpCase& op_case() const { return op_cases()[GetParam()]; }
};

TEST_P(OpHarness, CompleteInBothChannels) {
  const OpCase& c = op_case();
  const HarnessRun r = harness_build(c);
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    const auto proof = harness_prove(r, mode);
    const Status v = harness_verify(c, proof, mode, r.public_values);
    EXPECT_TRUE(v.ok()) << c.name << ": " << v.error().to_string();
    EXPECT_EQ(harness_verify(c, proof, mode, r.public_values, "another-transcript").code(),
              ErrorCode::TRANSCRIPT_MISMATCH);
  }
}

TEST_P(OpHarness, EveryMessageTampered) {
  const OpCase& c = op_case();
  const HarnessRun r = harness_build(c);
  GraphProofMap map;
  const auto proof = harness_prove(r, ChannelMode::CLEAR, &map);
  const size_t begin = map.op_offsets[r.op], end = map.op_ends[r.op];
  ASSERT_LT(begin, end) << c.name << " sends nothing";
  ASSERT_EQ((end - begin) % Fr::kBytes, 0u);
  for (size_t at = begin; at < end; at += Fr::kBytes) {
    auto bad = proof;
    bump_fr(bad, at);
    const Status v = harness_verify(c, bad, ChannelMode::CLEAR, r.public_values);
    ASSERT_FALSE(v.ok()) << c.name << ": message at " << at - begin;
    EXPECT_GE(static_cast<int>(v.code()), 100) << c.name << ": " << v.error().to_string();
  }
  GraphProofMap zmap;
  const auto zproof = harness_prove(r, ChannelMode::ZERO_KNOWLEDGE, &zmap);
  const size_t zb = zmap.op_offsets[r.op], ze = zmap.op_ends[r.op];
  for (size_t i = 0; i < 8; ++i) {
    auto bad = zproof;
    bad[zb + (ze - zb) * i / 8 + 5] ^= 0x10;
    EXPECT_FALSE(harness_verify(c, bad, ChannelMode::ZERO_KNOWLEDGE, r.public_values).ok()) << c.name << " " << i;
  }
}

TEST_P(OpHarness, EveryChangedOutputAndHelperRejected) {
  const OpCase& c = op_case();
  HarnessRun r = harness_build(c);
  const GraphOp& op = r.graph.ops()[r.op];
  std::set<std::string> seen;
  std::vector<size_t> produced = op.outputs;
  produced.insert(produced.end(), op.helpers.begin(), op.helpers.end());
  for (const size_t id : produced) {
    const GraphTensor& t = r.graph.tensors()[id];
    const std::string key = t.name == "op" ? "" : t.name.substr(3);
    seen.insert(key);
    const auto it = c.changes.find(key);
    ASSERT_NE(it, c.changes.end()) << c.name << ": no expectation for " << t.name;
    const HarnessChange& ch = it->second;
    const std::vector<int64_t> honest = view_to_i64(r.witness.data(id));
    std::vector<int64_t> changed = honest;
    const size_t at = ch.at.value_or(honest.size() / 2);
    int64_t delta = ch.delta;
    if (t.range && !ch.at) {
      const int64_t hi = t.range->is_signed ? (int64_t{1} << (t.range->bits - 1)) - 1
                                            : (int64_t{1} << t.range->bits) - 1;
      if (changed[at] + delta > hi) delta = -delta;
    }
    changed[at] += delta;
    // In both channels: the zero-knowledge verifier reports the clear one's code.
    for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
      Status v;
      if (t.public_output) {
        // A public output is the statement's: the prover claims another value than its witness's.
        std::vector<Fr> claimed = r.public_values;
        claimed[0] += Fr::from_i64(delta);
        std::swap(r.public_values, claimed);
        const auto proof = harness_prove(r, mode, nullptr, true);
        std::swap(r.public_values, claimed);
        std::vector<Fr> stated = r.public_values;
        stated[0] += Fr::from_i64(delta);
        v = harness_verify(c, proof, mode, stated);
      } else {
        r.witness.set(id, changed);
        const auto proof = harness_prove(r, mode, nullptr, true);
        r.witness.set(id, honest);
        v = harness_verify(c, proof, mode, r.public_values);
      }
      const char* m = mode == ChannelMode::CLEAR ? " (clear)" : " (zero knowledge)";
      ASSERT_FALSE(v.ok()) << c.name << ": " << t.name << " changed at " << at << m;
      EXPECT_EQ(v.code(), ch.expected) << c.name << ": " << t.name << m << ": " << v.error().to_string();
    }
  }
  EXPECT_EQ(seen.size(), c.changes.size()) << c.name << ": expectations for tensors the operation lacks";
}

INSTANTIATE_TEST_SUITE_P(Operations, OpHarness, ::testing::Range<size_t>(0, op_cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) { return op_cases()[i.param].name; });

}  // namespace
}  // namespace zklora::testing
