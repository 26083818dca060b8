// The training engine: batches, batch order, the full forward/backward pass (gradients against finite
// differences of the fixed-point loss), and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "support/random_model.h"
#include "zklora/fixed/format.h"
#include "zklora/model/llama.h"
#include "zklora/model/trainer.h"

namespace zklora {
namespace {

using testing::random_adapter;
using testing::random_model;
using testing::random_sequences;
using testing::small_config;

TEST(Batch, PadsTruncatesAndShiftsTargets) {
  ModelConfig c = small_config();
  c.pad_token_id = 3;
  const Batch b = make_batch({{5, 6, 7}, {8, 9, 10, 11, 12, 13}}, 4, c);
  EXPECT_EQ(b.tokens, (std::vector<int32_t>{5, 6, 7, 3, 8, 9, 10, 11}));
  EXPECT_EQ(b.targets, (std::vector<int32_t>{6, 7, -1, -1, 9, 10, 11, -1}));
}

TEST(Batch, OrderIsDeterministicAndCoversEachEpoch) {
  const int64_t n = 10, batch = 3;  // 3 steps per epoch, one example left out each epoch
  EXPECT_EQ(batch_indices(n, batch, 7, 4), batch_indices(n, batch, 7, 4));
  EXPECT_NE(batch_indices(n, batch, 7, 0), batch_indices(n, batch, 8, 0));
  std::set<int64_t> seen;
  for (int64_t s = 0; s < 3; ++s)
    for (const int64_t i : batch_indices(n, batch, 7, s)) EXPECT_TRUE(seen.insert(i).second) << "no repeats in an epoch";
  EXPECT_EQ(seen.size(), 9u);
  auto full = batch_indices(n, n, 1, 5);
  std::sort(full.begin(), full.end());
  EXPECT_EQ(full, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) << "full batch: every example, every step";
}

TEST(Engine, IsDeterministic) {
  const ModelConfig c = small_config();
  const ModelWeights w = random_model(c, 1);
  const AdapterTensors ad = random_adapter(c, 2);
  const Batch b = make_batch(random_sequences(3, 16, c.vocab_size, 3), 16, c);
  const StepResult r1 = forward_backward(w, ad, b), r2 = forward_backward(w, ad, b);
  EXPECT_EQ(r1.loss_sum, r2.loss_sum);
  EXPECT_EQ(r1.grads.a, r2.grads.a);
  EXPECT_EQ(r1.grads.b, r2.grads.b);
  EXPECT_GT(r1.count, 0);
  EXPECT_NEAR(r1.loss(), std::log(static_cast<double>(c.vocab_size)), 1.5) << "a random model is near uniform";
}

// d(sum of losses)/d(theta) against central differences of the fixed-point loss itself, for the adapter
// elements with the largest gradients of every projection.
TEST(Engine, GradientsMatchFiniteDifferences) {
  const ModelConfig c = small_config();
  const ModelWeights w = random_model(c, 4);
  const AdapterTensors ad = random_adapter(c, 5);
  const Batch b = make_batch(random_sequences(2, 12, c.vocab_size, 6), 12, c);
  const StepResult r = forward_backward(w, ad, b);
  const double grad_unit = std::ldexp(1.0, -static_cast<int>(kFixed.grad));
  const double act_unit = std::ldexp(1.0, -static_cast<int>(kFixed.act));
  const double lora_unit = std::ldexp(1.0, -static_cast<int>(kFixed.lora));
  int checked = 0;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      for (const bool is_a : {true, false}) {
        const ITensor& g = is_a ? r.grads.a_of(l, p) : r.grads.b_of(l, p);
        const auto it = std::max_element(g.data.begin(), g.data.end(),
                                         [](int64_t x, int64_t y) { return std::llabs(x) < std::llabs(y); });
        const int64_t idx = it - g.data.begin();
        const double analytic = static_cast<double>(*it) * grad_unit;
        const int64_t h = int64_t{1} << 18;  // 2^-6 in real terms: far above the rounding noise of the loss
        AdapterTensors plus = ad, minus = ad;
        (is_a ? plus.a_of(l, p) : plus.b_of(l, p))[idx] += h;
        (is_a ? minus.a_of(l, p) : minus.b_of(l, p))[idx] -= h;
        const double lp = static_cast<double>(forward_backward(w, plus, b).loss_sum) * act_unit;
        const double lm = static_cast<double>(forward_backward(w, minus, b).loss_sum) * act_unit;
        const double numeric = (lp - lm) / (2.0 * static_cast<double>(h) * lora_unit);
        EXPECT_NEAR(analytic, numeric, 0.03 * std::fabs(numeric) + 1e-2)
            << "layer " << l << " projection " << projection_module(p) << (is_a ? " A" : " B");
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 2 * 7 * 2);
}

TEST(Engine, PaddingAndTruncationDoNotChangeTheLossOfRealTokens) {
  const ModelConfig c = small_config();
  const ModelWeights w = random_model(c, 7);
  const AdapterTensors ad = random_adapter(c, 8);
  const std::vector<int32_t> seq = {1, 5, 9, 13, 17, 21};
  const StepResult exact = forward_backward(w, ad, make_batch({seq}, 6, c));
  const StepResult padded = forward_backward(w, ad, make_batch({seq}, 10, c));  // causal: pads come after
  EXPECT_EQ(exact.count, 5);
  EXPECT_EQ(padded.count, 5);
  EXPECT_EQ(exact.loss_sum, padded.loss_sum);
  const StepResult truncated = forward_backward(w, ad, make_batch({seq}, 4, c));
  EXPECT_EQ(truncated.count, 3);
}

TEST(Engine, RejectsBadBatches) {
  const ModelConfig c = small_config();
  const ModelWeights w = random_model(c, 9);
  const AdapterTensors ad = random_adapter(c, 10);
  EXPECT_THROW((void)forward_backward(w, ad, make_batch({{1, 2, 3, 64}}, 4, c)), ZkError) << "token out of vocab";
  EXPECT_THROW((void)forward_backward(w, ad, make_batch({{1, 2, 3}}, 33, c)), ZkError) << "longer than max_seq";
}

}  // namespace
}  // namespace zklora
