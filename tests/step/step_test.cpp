// Proofs of a whole training step (statement.h, STEP): forward pass, loss, backward pass and update in one proof
// that verifies, whose outputs are the engine's bit for bit, and that chains into the next step.
#include <gtest/gtest.h>

#include "step/step_fixture.h"
#include "zklora/model/optimizer.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

using testing::StepFixture;

[[maybe_unused]] OptimizerConfig sgd(double momentum = 0, double clip = 0) {
  OptimizerConfig o;
  o.kind = OptimizerKind::SGD;
  o.lr = 0.05;
  o.momentum = momentum;
  o.clip_norm = clip;
  return o;
}

OptimizerConfig adamw(double clip = 0) {
  OptimizerConfig o;
  o.kind = OptimizerKind::ADAMW;
  o.lr = 1e-3;
  o.weight_decay = 0.01;
  o.clip_norm = clip;
  return o;
}

StepStatement step_statement(const StepFixture& f, const OptimizerConfig& o, int64_t step_number) {
  StepStatement s = f.statement(StepMode::STEP);
  s.optimizer = o;
  s.step_number = step_number;
  return s;
}

PublicCommitments with_outputs(const StepFixture& f, const StepProof& p, const ProverCommitments& state = {}) {
  PublicCommitments c = f.public_part();
  c.merge(public_commitments(state));
  c.merge(public_commitments(p.outputs.commitments));
  return c;
}

TEST(Step, SmallModelProvesOneStep) {
  const StepFixture f = testing::make_step_fixture(testing::small_config(), 2, 6);
  const StepStatement s = step_statement(f, adamw(), 1);
  const StepProof p = prove_step(s, {f.weights, f.adapter, f.batch}, f.commitments, ChannelMode::CLEAR);
  const Status v = verify_step(p.statement, f.weights_trusted(), with_outputs(f, p), p.proof, ChannelMode::CLEAR);
  EXPECT_TRUE(v.ok()) << v.error().to_string();
  StepResult r = forward_backward(f.weights, f.adapter, f.batch);
  AdapterTensors params = f.adapter;
  OptimizerState state = OptimizerState::zeros_for(params, s.optimizer);
  optimizer_step(s.optimizer, params, state, r.grads, r.count);
  EXPECT_EQ(p.statement.loss_sum, r.loss_sum);
  EXPECT_EQ(p.statement.count, r.count);
  for (size_t i = 0; i < params.a.size(); ++i) {
    EXPECT_EQ(p.outputs.adapter.a[i].data, params.a[i].data);
    EXPECT_EQ(p.outputs.adapter.b[i].data, params.b[i].data);
  }
}

}  // namespace
}  // namespace zklora
