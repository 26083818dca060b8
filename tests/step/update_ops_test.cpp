// The mean gradient followed by an update operation computes what the engine's optimizer_step computes: SGD with
// and without momentum and AdamW with weight decay over two steps (at step 1 the engine's buffer starts from g, the operation's from a zero
// buffer), entry for entry.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "zklora/model/optimizer.h"
#include "zklora/ops/update/adamw_update_op.h"
#include "zklora/ops/update/clip_op.h"
#include "zklora/ops/update/mean_gradient_op.h"
#include "zklora/ops/update/sgd_update_op.h"

namespace zklora {
namespace {

int64_t at_2_32(double x) { return std::llround(std::ldexp(x, 32)); }

// The mean gradient of G over count targets, as MeanGradientOp computes it.
std::vector<int64_t> mean_of(const ITensor& g, int64_t count) {
  std::vector<uint64_t> dims;
  for (const int64_t d : g.shape) dims.push_back(static_cast<uint64_t>(d));
  OpWitness w = MeanGradientOp(dims, count).compute(std::vector<TableView>{TableView(g.data)}, 1);
  return std::move(w.outputs[0].ints);
}

ITensor random_tensor(std::mt19937_64& gen, std::vector<int64_t> shape, int64_t bound) {
  ITensor t(std::move(shape));
  std::uniform_int_distribution<int64_t> d(-bound, bound);
  for (auto& x : t.data) x = d(gen);
  return t;
}

// One adapted projection: A (4, 6) and B (5, 4), entries up to 2^24.
AdapterTensors one_adapter(std::mt19937_64& gen) {
  AdapterTensors params;
  params.n_layers = 1;
  params.a.resize(7);
  params.b.resize(7);
  params.a[0] = random_tensor(gen, {4, 6}, int64_t{1} << 24);
  params.b[0] = random_tensor(gen, {5, 4}, int64_t{1} << 24);
  return params;
}

// Summed-loss gradients of the adapter's shapes, entries up to bound.
AdapterTensors gradients_like(std::mt19937_64& gen, const AdapterTensors& params, int64_t bound) {
  AdapterTensors grads = AdapterTensors::zeros_like(params);
  grads.a[0] = random_tensor(gen, {4, 6}, bound);
  grads.b[0] = random_tensor(gen, {5, 4}, bound);
  return grads;
}

void check_sgd(double momentum) {
  std::mt19937_64 gen(5);
  AdapterTensors params = one_adapter(gen);
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  cfg.lr = 0.05;
  cfg.momentum = momentum;
  OptimizerState state = OptimizerState::zeros_for(params, cfg);
  const int64_t count = 7;
  for (int step = 1; step <= 2; ++step) {
    const AdapterTensors grads = gradients_like(gen, params, int64_t{1} << 30);
    AdapterTensors before = params;
    OptimizerState state_before = state;
    optimizer_step(cfg, params, state, grads, count);
    for (const bool is_a : {true, false}) {
      const ITensor& g = is_a ? grads.a[0] : grads.b[0];
      const ITensor& theta = is_a ? before.a[0] : before.b[0];
      const ITensor& m = is_a ? state_before.m.a[0] : state_before.m.b[0];
      std::vector<uint64_t> dims;
      for (const int64_t d : g.shape) dims.push_back(static_cast<uint64_t>(d));
      const SgdUpdateOp op(dims, at_2_32(cfg.lr), at_2_32(momentum));
      const std::vector<int64_t> mean = mean_of(g, count);
      std::vector<TableView> in{TableView(mean), TableView(theta.data)};
      if (momentum > 0) in.emplace_back(m.data);
      const OpWitness w = op.compute(in, 1);
      EXPECT_EQ(w.outputs[0].ints, (is_a ? params.a[0] : params.b[0]).data) << "step " << step;
      if (momentum > 0) {
        EXPECT_EQ(w.outputs[1].ints, (is_a ? state.m.a[0] : state.m.b[0]).data) << "step " << step;
      }
    }
  }
}

TEST(UpdateOps, AdamwIsTheEnginesUpdate) {
  std::mt19937_64 gen(9);
  AdapterTensors params = one_adapter(gen);
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::ADAMW;
  cfg.lr = 1e-3;
  cfg.weight_decay = 0.01;
  OptimizerState state = OptimizerState::zeros_for(params, cfg);
  const int64_t count = 7;
  for (int step = 1; step <= 2; ++step) {
    const AdapterTensors grads = gradients_like(gen, params, int64_t{1} << 26);
    const AdapterTensors before = params;
    const OptimizerState state_before = state;
    optimizer_step(cfg, params, state, grads, count);
    const AdamwConstants k = adamw_constants(at_2_32(cfg.lr), at_2_32(cfg.beta1), at_2_32(cfg.beta2),
                                             at_2_32(cfg.eps), at_2_32(cfg.lr * cfg.weight_decay), step);
    for (const bool is_a : {true, false}) {
      const auto pick = [&](const AdapterTensors& t) -> const ITensor& { return is_a ? t.a[0] : t.b[0]; };
      std::vector<uint64_t> dims;
      for (const int64_t d : pick(grads).shape) dims.push_back(static_cast<uint64_t>(d));
      const AdamwUpdateOp op(dims, k);
      const std::vector<int64_t> mean = mean_of(pick(grads), count);
      const OpWitness w = op.compute(std::vector<TableView>{TableView(mean), TableView(pick(before).data),
                                                            TableView(pick(state_before.m).data),
                                                            TableView(pick(state_before.v).data)},
                                     1);
      EXPECT_EQ(w.outputs[0].ints, pick(params).data) << "step " << step;
      EXPECT_EQ(w.outputs[1].ints, pick(state.m).data) << "step " << step;
      EXPECT_EQ(w.outputs[2].ints, pick(state.v).data) << "step " << step;
      EXPECT_NE(pick(params).data, pick(before).data) << "the update changes the adapter";
    }
  }
}

TEST(UpdateOps, ClippedSgdIsTheEnginesUpdate) {
  // Mean gradients of about 2^35 (8.0) in 44 entries against a clip of 0.5: every gradient is scaled.
  std::mt19937_64 gen(13);
  AdapterTensors params = one_adapter(gen);
  OptimizerConfig cfg;
  cfg.kind = OptimizerKind::SGD;
  cfg.lr = 0.05;
  cfg.clip_norm = 0.5;
  OptimizerState state = OptimizerState::zeros_for(params, cfg);
  const int64_t count = 7;
  const AdapterTensors grads = gradients_like(gen, params, int64_t{1} << 30);
  const AdapterTensors before = params;
  optimizer_step(cfg, params, state, grads, count);
  const std::vector<int64_t> ma = mean_of(grads.a[0], count), mb = mean_of(grads.b[0], count);
  const ClipOp clip({{4, 6}, {5, 4}}, at_2_32(cfg.clip_norm), at_2_32(1e-6));
  const OpWitness clipped = clip.compute(std::vector<TableView>{TableView(ma), TableView(mb)}, 1);
  ASSERT_EQ(clipped.helpers[1].ints, std::vector<int64_t>{1}) << "the flag: clipped";
  const SgdUpdateOp ua({4, 6}, at_2_32(cfg.lr), 0), ub({5, 4}, at_2_32(cfg.lr), 0);
  const OpWitness wa = ua.compute(std::vector<TableView>{clipped.outputs[0].view(), TableView(before.a[0].data)}, 1);
  const OpWitness wb = ub.compute(std::vector<TableView>{clipped.outputs[1].view(), TableView(before.b[0].data)}, 1);
  EXPECT_EQ(wa.outputs[0].ints, params.a[0].data);
  EXPECT_EQ(wb.outputs[0].ints, params.b[0].data);
}

TEST(UpdateOps, SgdIsTheEnginesUpdate) { check_sgd(0.0); }
TEST(UpdateOps, SgdWithMomentumIsTheEnginesUpdate) { check_sgd(0.9); }

}  // namespace
}  // namespace zklora
