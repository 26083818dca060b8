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
    const StepProof p = prove_step(s, {f.weights, f.adapter, f.batch}, f.commitments, mode);
    EXPECT_EQ(p.statement.loss_sum, engine.loss_sum);
    const Status v = f.verify(p.statement, p.proof, mode);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    // Another loss in the statement is rejected.
    StepStatement other = p.statement;
    other.loss_sum += 1;
    EXPECT_EQ(f.verify(other, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  }
}

// Every tensor of the prover's witness that the engine also computes is the engine's (layer_forward of
// model/llama.h and the head), on a model whose shapes are not powers of two.
TEST(Forward, WitnessIsTheEngines) {
  const StepFixture f = testing::make_step_fixture(testing::small_config(), 2, 6);
  const StepStatement s = f.statement(StepMode::FORWARD);
  const StepProver p(s, {f.weights, f.adapter, f.batch}, f.commitments, ChannelMode::CLEAR);
  std::vector<PartWitness> parts;
  for (size_t k = 0; k < p.plan().parts.size(); ++k) parts.push_back(p.witness(k));
  size_t compared = 0;
  // A tensor by its name in the part that computes it.
  const auto expect = [&](const std::string& name, const std::vector<int64_t>& engine) {
    for (const PartWitness& w : parts) {
      for (size_t i = 0; i < w.graph.tensors().size(); ++i) {
        const GraphTensor& t = w.graph.tensors()[i];
        if (t.name != name || t.producer < 0) continue;
        EXPECT_EQ(view_to_i64(w.witness.data(i)), engine) << name;
        ++compared;
        return;
      }
    }
    ADD_FAILURE() << "no part computes " << name;
  };
  const ModelConfig& m = f.config;
  const RopeTable rope = make_rope_table(s.seq, m.head_dim(), m.rope_theta);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < s.batch * s.seq; ++t) positions.push_back(t % s.seq);
  const LayerContext ctx{m, lora_scale_fixed(f.adapter.config), rope, positions,
                         AttentionShape{s.batch, s.seq, m.n_heads, m.n_kv_heads, m.head_dim()}};
  ITensor h = embedding_rows(f.weights.embed, f.batch.tokens);
  expect(TensorKey::residual(0).name(), h.data);
  for (int64_t l = 0; l < m.n_layers; ++l) {
    const ITensor h_in = h;
    const LayerCache c = layer_forward(ctx, *f.weights.layer(l), f.adapter, l, h);
    const auto L = [&](const std::string& what) { return layer_tensor(l, what); };
    expect(L("attn_norm.out"), c.norm1.y.data);
    expect(L("attn_norm.out.normalized"), c.norm1.n.data);
    expect(L("attn_norm.out.rsqrt"), c.norm1.r);
    const std::pair<const char*, const ProjectionOut*> projections[] = {
        {"q_proj", &c.q}, {"k_proj", &c.k}, {"v_proj", &c.v}, {"o_proj", &c.o},
        {"gate_proj", &c.gate}, {"up_proj", &c.up}, {"down_proj", &c.down}};
    for (const auto& [name, out] : projections) {
      expect(L(std::string(name) + ".out"), out->out.data);
      expect(L(std::string(name) + ".lora_a"), out->a.data);
    }
    expect(L("q_rope"), c.q_rot.data);
    expect(L("k_rope"), c.k_rot.data);
    expect(L("attn.softmax"), c.attn.p.data);
    expect(L("attn.out"), c.attn.o.data);
    ITensor mid = h_in;
    for (int64_t i = 0; i < mid.numel(); ++i) mid[i] += c.o.out[i];
    expect(L("residual.attn"), mid.data);
    expect(L("mlp_norm.out"), c.norm2.y.data);
    expect(L("mlp_norm.out.normalized"), c.norm2.n.data);
    expect(L("mlp_norm.out.rsqrt"), c.norm2.r);
    expect(L("swiglu.out"), c.swiglu.h.data);
    expect(L("swiglu.out.sigma"), c.swiglu.sigma.data);
    expect(TensorKey::residual(l + 1).name(), h.data);
  }
  const RmsNormOut fin = rmsnorm_forward(h, f.weights.final_norm, m.rms_eps);
  expect("final_norm.out", fin.y.data);
  const ITensor logits = matmul_nt(fin.y, f.weights.lm_head, kFixed.weight);
  expect("logits", logits.data);
  expect("loss", {cross_entropy(logits, f.batch.targets).loss_sum});
  EXPECT_EQ(p.statement().loss_sum, forward_backward(f.weights, f.adapter, f.batch).loss_sum);
  EXPECT_EQ(compared, 1u + 2u * 28u + 3u);
}

TEST(Forward, LinearBackboneProofIsNoForwardProof) {
  const StepFixture& f = tiny();
  const StepStatement linear = f.statement(StepMode::LINEAR_BACKBONE);
  const StepProof p = prove_step(linear, {f.weights, f.adapter, f.batch}, f.commitments, ChannelMode::CLEAR);
  StepStatement forward = f.statement(StepMode::FORWARD);
  forward.loss_sum = forward_backward(f.weights, f.adapter, f.batch).loss_sum;
  // The forward step's header holds the one-hot matrix too.
  EXPECT_EQ(f.verify(forward, p.proof, ChannelMode::CLEAR).code(), ErrorCode::SUBPROOF_MISMATCH);
}

}  // namespace
}  // namespace zklora
