// Proofs of the whole forward pass (statement.h, FORWARD): the tiny model proves and verifies in both channel
// modes with nothing unproven, and the proven loss is the engine's; every tensor of the prover's witness that the
// engine also computes is the engine's; the linear backbone's proof is not a forward proof.
#include <gtest/gtest.h>

#include "step/step_fixture.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
#include "zklora/model/init_model.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

using testing::StepFixture;

const StepFixture& tiny() {
  static const StepFixture f = [] {
    ModelConfig c = tiny_model_config();
    c.n_layers = 2;
    return testing::make_step_fixture(c, 2, 8);
  }();
  return f;
}

TEST(Forward, TinyModelProvesInBothModesWithTheEnginesLoss) {
  const StepFixture& f = tiny();
  const StepStatement s = f.statement(StepMode::FORWARD);
  EXPECT_TRUE(s.proves_whole_forward());
  const StepResult engine = forward_backward(f.weights, f.adapter, f.batch);
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    const StepProof p = prove_step(s, f.weights, f.adapter, f.batch, f.commitments, mode);
    EXPECT_EQ(p.statement.loss_sum, engine.loss_sum);
    const Status v = f.verify(p.statement, p.proof, mode);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    // Another loss in the statement is rejected.
    StepStatement other = p.statement;
    other.loss_sum += 1;
    EXPECT_EQ(f.verify(other, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  }
}

}  // namespace
}  // namespace zklora
