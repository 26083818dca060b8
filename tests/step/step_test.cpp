// Proofs of a whole training step (statement.h, STEP) as sub-proofs (parts.h): the embedding, every layer's forward
// pass, backward pass and adapter gradients, the head and loss, the update. The tiny model's step verifies for SGD,
// SGD with momentum and AdamW, with and without clipping, for the q,v targets and for all seven projections, and its
// outputs are the engine's bit for bit; steps chain (the next step starts from the commitments the last ended
// with); every tensor the engine also computes is the engine's; and a cheating prover is rejected: a changed
// adapter gradient, a changed optimizer moment, a division's quotient moved (its remainder out of range), the
// clipping decision flipped, another learning rate or step number in the statement, another adapter's commitment
// as the step's output; and so is a proof whose parts do not make the step: two layers' sub-proofs swapped, a
// sub-proof of another step or run, a cut's commitment replaced, a sub-proof missing or duplicated, a header whose
// cuts disagree with the model.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "step/step_fixture.h"
#include "zklora/model/init_model.h"
#include "zklora/model/optimizer.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

using testing::StepFixture;

OptimizerConfig sgd(double momentum, double clip) {
  OptimizerConfig o;
  o.kind = OptimizerKind::SGD;
  o.lr = 0.05;
  o.momentum = momentum;
  o.clip_norm = clip;
  return o;
}

OptimizerConfig adamw(double clip) {
  OptimizerConfig o;
  o.kind = OptimizerKind::ADAMW;
  o.lr = 1e-3;
  o.weight_decay = 0.01;
  o.clip_norm = clip;
  return o;
}

// A clipping norm every test batch's gradients exceed (they are clipped), and none.
constexpr double kClips = 1e-2, kNoClip = 0;

StepStatement step_statement(const StepFixture& f, const OptimizerConfig& o, int64_t step_number) {
  StepStatement s = f.statement(StepMode::STEP);
  s.optimizer = o;
  s.step_number = step_number;
  return s;
}

// The fixture's commitments without the adapter's (a step's adapter is the one the step before ended with).
ProverCommitments base_commitments(const StepFixture& f) {
  ProverCommitments out;
  for (const auto& [n, c] : f.commitments) {
    if (!n.starts_with("adapter.")) out.emplace(n, c);
  }
  return out;
}

// The engine's step: forward_backward then optimizer_step.
struct EngineRun {
  AdapterTensors params;
  OptimizerState state;
  StepResult result;
  void step(const StepFixture& f, const OptimizerConfig& o) {
    result = forward_backward(f.weights, params, f.batch);
    optimizer_step(o, params, state, result.grads, result.count);
  }
};

void expect_same(const AdapterTensors& proven, const AdapterTensors& engine, const std::string& what) {
  ASSERT_EQ(proven.a.size(), engine.a.size());
  for (size_t i = 0; i < engine.a.size(); ++i) {
    EXPECT_EQ(proven.a[i].data, engine.a[i].data) << what << " A " << i;
    EXPECT_EQ(proven.b[i].data, engine.b[i].data) << what << " B " << i;
  }
}

// `steps` proven steps from the fixture's adapter, each verified against the commitments the step before ended
// with, each output compared with the engine's.
void prove_chain(const StepFixture& f, const OptimizerConfig& o, int64_t steps, ChannelMode mode) {
  EngineRun engine{f.adapter, OptimizerState::zeros_for(f.adapter, o), {}};
  AdapterTensors adapter = f.adapter;
  OptimizerState state = OptimizerState::zeros_for(adapter, o);
  ProverCommitments inputs = commit_adapter(adapter);  // adapter and optimizer state before the step
  const ProverCommitments base = base_commitments(f);
  for (int64_t t = 1; t <= steps; ++t) {
    SCOPED_TRACE("step " + std::to_string(t));
    ProverCommitments all = base;
    all.merge(ProverCommitments(inputs));
    const StepProof p = prove_step(step_statement(f, o, t), {f.weights, adapter, f.batch, &state}, all, mode);
    PublicCommitments pub = public_commitments(all);
    pub.merge(public_commitments(p.outputs.commitments));
    const Status v = verify_step(p.statement, f.weights_trusted(), pub, p.proof, mode);
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    if (o.clip_norm > 0) {
      // Clipping changes this step: without it the engine's update differs.
      EngineRun unclipped = engine;
      OptimizerConfig no_clip = o;
      no_clip.clip_norm = 0;
      unclipped.step(f, no_clip);
      EXPECT_NE(unclipped.params.b[0].data, p.outputs.adapter.b[0].data) << "the gradients are clipped";
    }
    engine.step(f, o);
    EXPECT_EQ(p.statement.loss_sum, engine.result.loss_sum);
    EXPECT_EQ(p.statement.count, engine.result.count);
    expect_same(p.outputs.adapter, engine.params, "adapter");
    if (p.statement.has_first_moment()) expect_same(p.outputs.optimizer.m, engine.state.m, "first moment");
    if (p.statement.has_second_moment()) expect_same(p.outputs.optimizer.v, engine.state.v, "second moment");
    EXPECT_NE(p.outputs.adapter.b[0].data, adapter.b[0].data) << "the step changes the adapter";
    adapter = p.outputs.adapter;
    state = p.outputs.optimizer;
    inputs = next_step_inputs(p.outputs.commitments);
  }
}

// ---- the tiny model: every optimizer, with and without clipping, q,v and all seven projections ----

struct Case {
  std::string name;
  OptimizerConfig optimizer;
  bool all_projections;
};

const StepFixture& tiny(bool all_projections) {
  const auto make = [](bool all) {
    ModelConfig c = tiny_model_config();
    c.n_layers = 1;
    std::vector<Projection> targets{Projection::Q, Projection::V};
    if (all) targets.assign(std::begin(kAllProjections), std::end(kAllProjections));
    return testing::make_step_fixture(c, 2, 6, targets);
  };
  static const StepFixture qv = make(false), seven = make(true);
  return all_projections ? seven : qv;
}

class TinyStep : public ::testing::TestWithParam<Case> {};

TEST_P(TinyStep, VerifiesWithTheEnginesAdapter) {
  const Case& c = GetParam();
  prove_chain(tiny(c.all_projections), c.optimizer, 1, ChannelMode::ZERO_KNOWLEDGE);
}

std::vector<Case> tiny_cases() {
  std::vector<Case> out;
  for (const bool all : {false, true}) {
    const std::string t = all ? "AllSeven" : "QV";
    for (const double clip : {kNoClip, kClips}) {
      const std::string k = clip > 0 ? "Clipped" : "";
      out.push_back({"Sgd" + k + t, sgd(0, clip), all});
      out.push_back({"Momentum" + k + t, sgd(0.9, clip), all});
      out.push_back({"Adamw" + k + t, adamw(clip), all});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Step, TinyStep, ::testing::ValuesIn(tiny_cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// ---- chains of steps on a smaller model: the state the step before committed is the next one's input ----

const StepFixture& small() {
  static const StepFixture f = testing::make_step_fixture(testing::small_config(), 2, 6);
  return f;
}

TEST(Step, TwoSgdStepsWithMomentumChain) { prove_chain(small(), sgd(0.9, kNoClip), 2, ChannelMode::CLEAR); }
TEST(Step, TwoAdamwStepsChain) { prove_chain(small(), adamw(kClips), 2, ChannelMode::CLEAR); }
TEST(Step, TwoSgdStepsChain) { prove_chain(small(), sgd(0, kClips), 2, ChannelMode::ZERO_KNOWLEDGE); }

// Every tensor of the step's witness that the engine also computes is the engine's: the adapter gradients (the
// end of the whole backward pass), the loss, N and the adapter and state after the update. (The prover refuses a
// part whose cuts or outputs are not the engine's pass's; here they are compared with forward_backward's.)
TEST(Step, WitnessIsTheEngines) {
  const StepFixture& f = small();
  const OptimizerConfig o = adamw(kClips);
  const StepProver p(step_statement(f, o, 1), {f.weights, f.adapter, f.batch}, f.commitments,
                     ChannelMode::ZERO_KNOWLEDGE);
  EngineRun engine{f.adapter, OptimizerState::zeros_for(f.adapter, o), {}};
  engine.step(f, o);
  EXPECT_EQ(p.statement().loss_sum, engine.result.loss_sum);
  EXPECT_EQ(p.statement().count, engine.result.count);
  size_t compared = 0;
  for (int64_t l = 0; l < f.config.n_layers; ++l) {
    const PartWitness w = p.witness(testing::part_index(p, {PartKind::LAYER, l}));
    for (const Projection pr : kAllProjections) {
      for (const bool is_a : {true, false}) {
        const TensorKey key = TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, pr, is_a);
        const ITensor& g = is_a ? engine.result.grads.a_of(l, pr) : engine.result.grads.b_of(l, pr);
        EXPECT_EQ(view_to_i64(w.witness.data(w.graph.find(key))), g.data) << key.name();
        ++compared;
      }
    }
  }
  const PartWitness u = p.witness(testing::part_index(p, {PartKind::UPDATE, 0}));
  for (int64_t l = 0; l < f.config.n_layers; ++l) {
    for (const Projection pr : kAllProjections) {
      for (const bool is_a : {true, false}) {
        const TensorKey key = TensorKey::adapter(TensorKind::NEXT_ADAPTER, l, pr, is_a);
        const ITensor& theta = is_a ? engine.params.a_of(l, pr) : engine.params.b_of(l, pr);
        EXPECT_EQ(view_to_i64(u.witness.data(u.graph.find(key))), theta.data) << key.name();
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 4 * 7 * static_cast<size_t>(f.config.n_layers));
}

// Memory does not grow with depth: the prover holds the engine's streams (a few tensors per layer) and one part's
// witness, whose graph is the same for every layer.
TEST(Step, EveryLayersPartHasTheSameShape) {
  const StepFixture& f = small();
  StepStatement s = step_statement(f, sgd(0.9, kNoClip), 1);
  s.count = batch_count(f.batch);
  const StepGraph a = build_part_graph(s, {PartKind::LAYER, 1}).value();
  ModelConfig deep = f.config;
  deep.n_layers = 12;
  s.model = deep;
  const StepGraph b = build_part_graph(s, {PartKind::LAYER, 7}).value();
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) EXPECT_EQ(a.tensors()[i].dims, b.tensors()[i].dims);
}

// A model whose LM head is its embedding (tie_word_embeddings, as Llama 3.2 and small Qwen2 models ship): the weight
// commitment holds no "lm_head", the head's part reads the embedding's own commitment (the same committed tensor,
// not an assumption), and the step verifies with the engine's adapter.
TEST(Step, TiedEmbeddingsAreOneCommittedTensor) {
  ModelConfig c = testing::small_config();
  c.tie_embeddings = true;
  const StepFixture f = testing::make_step_fixture(c, 2, 6, {Projection::Q, Projection::V});
  EXPECT_EQ(f.commitments.count("lm_head"), 0u);
  EXPECT_EQ(f.commitments.count("embed"), 1u);
  StepStatement s = step_statement(f, sgd(0, kNoClip), 1);
  s.count = batch_count(f.batch);
  const StepGraph head = build_part_graph(s, {PartKind::HEAD, 0}).value();
  bool reads_embed = false;
  for (const size_t i : head.statement_tensors()) {
    EXPECT_NE(head.tensors()[i].name, "lm_head");
    reads_embed = reads_embed || head.tensors()[i].name == "embed";
  }
  EXPECT_TRUE(reads_embed);
  prove_chain(f, sgd(0, kNoClip), 1, ChannelMode::CLEAR);
}

TEST(Step, StatementsThatCannotBeProvenAreRefused) {
  const StepFixture& f = small();
  StepStatement s = step_statement(f, sgd(0, kNoClip), 1);
  s.count = batch_count(f.batch);
  EXPECT_TRUE(s.validate().ok());
  StepStatement bad = s;
  bad.step_number = 0;
  EXPECT_EQ(bad.validate().code(), ErrorCode::INVALID_ARGUMENT);
  bad = s;
  bad.count = s.batch * s.seq + 1;
  EXPECT_EQ(bad.validate().code(), ErrorCode::INVALID_ARGUMENT);
  bad = s;
  bad.optimizer.lr = -1;
  EXPECT_EQ(bad.validate().code(), ErrorCode::INVALID_ARGUMENT);
  // Parts the step does not have.
  EXPECT_EQ(build_part_graph(s, {PartKind::LAYER, f.config.n_layers}).code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_EQ(build_part_graph(f.statement(StepMode::FORWARD), {PartKind::UPDATE, 0}).code(),
            ErrorCode::INVALID_ARGUMENT);
  // A step after the first needs the optimizer state it starts from.
  bad = step_statement(f, adamw(kNoClip), 2);
  EXPECT_THROW(prove_step(bad, {f.weights, f.adapter, f.batch}, f.commitments, ChannelMode::CLEAR), ZkError);
}

// ---- soundness ----

// A cheating prover's step: the honest witness of one part changed by `change` (which changes tensors with
// testing::change_and_recompute), the part's cuts and outputs committed as the changed witness has them, proven
// with false relations allowed and verified on its own given the header.
Status cheat(const StepFixture& f, const OptimizerConfig& o, PartId part,
             const std::function<void(StepProver&, PartWitness&)>& change, ChannelMode mode) {
  StepProver p(step_statement(f, o, 1), {f.weights, f.adapter, f.batch}, f.commitments, mode);
  PartWitness w = p.witness(testing::part_index(p, part));
  change(p, w);
  return f.prove_part(p, w, mode);
}

void shift(StepProver& p, PartWitness& w, const std::string& name, size_t entry, int64_t delta) {
  testing::change_and_recompute(p, w, w.graph.find(name), entry, delta);
}

class StepCheat : public ::testing::TestWithParam<ChannelMode> {};

TEST_P(StepCheat, ChangedAdapterGradientIsRejected) {
  const ChannelMode mode = GetParam();
  const Status v = cheat(small(), sgd(0, kNoClip), {PartKind::LAYER, 1}, [](StepProver& p, PartWitness& w) {
    shift(p, w, "grad." + adapter_tensor_name(1, Projection::Q, true), 3, 1 << 20);
  }, mode);
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
  EXPECT_TRUE(v.error().message.starts_with("layer 1: ")) << v.error().message;
}

TEST_P(StepCheat, ChangedOptimizerMomentIsRejected) {
  const ChannelMode mode = GetParam();
  const Status v = cheat(small(), adamw(kNoClip), {PartKind::UPDATE, 0}, [](StepProver& p, PartWitness& w) {
    shift(p, w, "next.optimizer.m." + adapter_tensor_name(0, Projection::V, false), 2, 1);
  }, mode);
  EXPECT_EQ(v.code(), ErrorCode::RELATION_MISMATCH) << v.error().to_string();
  EXPECT_TRUE(v.error().message.starts_with("update: ")) << v.error().message;
}

TEST_P(StepCheat, DivisionQuotientMovedIsRejected) {
  // The mean gradient one above the rounded quotient, its remainder 2^9 G + N - 2 N g (and the slack) moved with
  // it: the remainder leaves [0, 2N).
  const ChannelMode mode = GetParam();
  const int64_t n = batch_count(small().batch);
  const Status v = cheat(small(), sgd(0, kNoClip), {PartKind::UPDATE, 0}, [n](StepProver& p, PartWitness& w) {
    const std::string g = "mean_grad." + adapter_tensor_name(0, Projection::O, false);
    std::vector<int64_t> r = view_to_i64(w.witness.data(w.graph.find(g + ".remainder")));
    r[5] -= 2 * n;
    w.witness.set(w.graph.find(g + ".remainder"), std::move(r));
    std::vector<int64_t> sl = view_to_i64(w.witness.data(w.graph.find(g + ".slack")));
    sl[5] += 2 * n;
    w.witness.set(w.graph.find(g + ".slack"), std::move(sl));
    shift(p, w, g, 5, 1);
  }, mode);
  EXPECT_EQ(v.code(), ErrorCode::LOOKUP_SUM_MISMATCH) << v.error().to_string();
}

TEST_P(StepCheat, FlippedClippingDecisionIsRejected) {
  // Gradients above the clipping norm, kept as they are: flag 0, the clip's outputs its inputs, and the decision
  // term as flag 0 makes it, CLIP - den = -(den - CLIP - 1) - 1, negative: out of its range.
  const ChannelMode mode = GetParam();
  const Status v = cheat(small(), sgd(0, kClips), {PartKind::UPDATE, 0}, [](StepProver& p, PartWitness& w) {
    const size_t flag = w.graph.find("clip.flag");
    EXPECT_EQ(view_to_i64(w.witness.data(flag)), std::vector<int64_t>{1});
    w.witness.set(flag, std::vector<int64_t>{0});
    const int64_t decision = view_to_i64(w.witness.data(w.graph.find("clip.decision")))[0];
    w.witness.set(w.graph.find("clip.decision"), std::vector<int64_t>{-decision - 1});
    const GraphOp& op = w.graph.ops()[static_cast<size_t>(w.graph.tensors()[flag].producer)];
    for (size_t j = 0; j < op.outputs.size(); ++j) {
      w.witness.set(op.outputs[j], view_to_i64(w.witness.data(op.inputs[j])));
    }
    graph_compute_witness(w.graph, w.witness, 0, static_cast<size_t>(w.graph.tensors()[flag].producer + 1));
    for (const size_t i : w.graph.statement_tensors()) {
      const GraphTensor& t = w.graph.tensors()[i];
      if (t.producer >= 0) p.replace_committed(*t.key, view_to_i64(w.witness.data(i)));
    }
  }, mode);
  EXPECT_EQ(v.code(), ErrorCode::LOOKUP_SUM_MISMATCH) << v.error().to_string();
}

TEST_P(StepCheat, OtherStatementOrOutputIsRejected) {
  const ChannelMode mode = GetParam();
  const StepFixture& f = small();
  const OptimizerConfig o = adamw(kNoClip);
  const StepProof p = prove_step(step_statement(f, o, 1), {f.weights, f.adapter, f.batch}, f.commitments, mode);
  PublicCommitments pub = f.public_part();
  pub.merge(public_commitments(p.outputs.commitments));
  ASSERT_TRUE(verify_step(p.statement, f.weights_trusted(), pub, p.proof, mode).ok());
  StepStatement other = p.statement;
  other.optimizer.lr *= 2;
  EXPECT_EQ(verify_step(other, f.weights_trusted(), pub, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  other = p.statement;
  other.step_number = 2;  // also needs the state of step 1
  PublicCommitments with_state = pub;
  with_state.merge(public_commitments(commit_optimizer_state(other, p.outputs.optimizer)));
  EXPECT_EQ(verify_step(other, f.weights_trusted(), with_state, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  other = p.statement;
  other.count += 1;
  EXPECT_EQ(verify_step(other, f.weights_trusted(), pub, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);
  // The step of another run: the same work, but every sub-proof's transcript names the run.
  other = p.statement;
  other.run[0] ^= 1;
  const Status run = verify_step(other, f.weights_trusted(), pub, p.proof, mode);
  EXPECT_EQ(run.code(), ErrorCode::TRANSCRIPT_MISMATCH);
  EXPECT_TRUE(run.error().message.starts_with("embedding: ")) << run.error().message;
  // The new adapter's commitment replaced by another adapter's (the one before the step): the update part fails.
  const std::string out = std::string(kNextPrefix) + adapter_tensor_name(0, Projection::Q, false);
  PublicCommitments swapped = pub;
  swapped.at(out) = pub.at(adapter_tensor_name(0, Projection::Q, false));
  const Status v = verify_step(p.statement, f.weights_trusted(), swapped, p.proof, mode);
  EXPECT_EQ(v.code(), ErrorCode::TRANSCRIPT_MISMATCH);
  EXPECT_TRUE(v.error().message.starts_with("update: ")) << v.error().message;
}

// ---- the sub-proofs make the step (transcripts and headers: one channel stands for both) ----

TEST(Step, PartsThatDoNotMakeTheStepAreRejected) {
  const ChannelMode mode = ChannelMode::CLEAR;
  const StepFixture& f = small();
  const StepProof p = prove_step(step_statement(f, sgd(0.9, kNoClip), 1), {f.weights, f.adapter, f.batch},
                                 f.commitments, mode);
  PublicCommitments pub = f.public_part();
  pub.merge(public_commitments(p.outputs.commitments));
  const auto verify = [&](const StepProofData& d) { return verify_step(p.statement, f.weights_trusted(), pub, d, mode); };
  ASSERT_TRUE(verify(p.proof).ok());
  const size_t l0 = 1, l1 = 2;  // the parts: embedding, layer 0, layer 1, head, update

  StepProofData swapped = p.proof;
  std::swap(swapped.parts[l0], swapped.parts[l1]);
  Status v = verify(swapped);
  EXPECT_EQ(v.code(), ErrorCode::TRANSCRIPT_MISMATCH);
  EXPECT_TRUE(v.error().message.starts_with("layer 0: ")) << v.error().message;

  StepProofData duplicated = p.proof;
  duplicated.parts[l1] = duplicated.parts[l0];
  v = verify(duplicated);
  EXPECT_EQ(v.code(), ErrorCode::TRANSCRIPT_MISMATCH);
  EXPECT_TRUE(v.error().message.starts_with("layer 1: ")) << v.error().message;

  StepProofData missing = p.proof;
  missing.parts.erase(missing.parts.begin() + static_cast<std::ptrdiff_t>(l1));
  EXPECT_EQ(verify(missing).code(), ErrorCode::SUBPROOF_MISMATCH);

  // A header with a cut less, or with one cut's commitment another's (of the same shape).
  StepProofData short_header = p.proof;
  short_header.header.pop_back();
  EXPECT_EQ(verify(short_header).code(), ErrorCode::SUBPROOF_MISMATCH);
  StepProofData replaced = p.proof;
  ASSERT_EQ(replaced.header[1].first, "cut.h.1");
  replaced.header[1].second = replaced.header[2].second;
  v = verify(replaced);
  EXPECT_EQ(v.code(), ErrorCode::TRANSCRIPT_MISMATCH) << v.error().to_string();
  EXPECT_TRUE(v.error().message.starts_with("embedding: ")) << v.error().message;

  // A sub-proof of the next step (the same layer, from the adapter this step ended with).
  const StepProof next = prove_step(step_statement(f, sgd(0.9, kNoClip), 2),
                                    {f.weights, p.outputs.adapter, f.batch, &p.outputs.optimizer},
                                    [&] {
                                      ProverCommitments c = f.commitments;
                                      for (auto& [n, x] : next_step_inputs(p.outputs.commitments)) c.insert_or_assign(n, x);
                                      return c;
                                    }(),
                                    mode);
  StepProofData other_step = p.proof;
  other_step.parts[l1] = next.proof.parts[l1];
  v = verify(other_step);
  EXPECT_EQ(v.code(), ErrorCode::TRANSCRIPT_MISMATCH);
  EXPECT_TRUE(v.error().message.starts_with("layer 1: ")) << v.error().message;
}

// A prover whose header holds another residual stream than its layer computes: the layer producing it is rejected
// (the committed stream is not the one its graph computes).
TEST_P(StepCheat, HeaderCutNotTheLayersOutputIsRejected) {
  const ChannelMode mode = GetParam();
  const StepFixture& f = small();
  StepProver p(step_statement(f, sgd(0, kNoClip), 1), {f.weights, f.adapter, f.batch}, f.commitments, mode);
  const PartWitness layer0 = p.witness(testing::part_index(p, {PartKind::LAYER, 0}));
  std::vector<int64_t> h1 = view_to_i64(layer0.witness.data(layer0.graph.find(TensorKey::residual(1))));
  h1[7] += 1;
  p.replace_committed(TensorKey::residual(1), h1);
  const Status v = f.prove_part(p, layer0, mode);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
  EXPECT_TRUE(v.error().message.starts_with("layer 0: ")) << v.error().message;
}

INSTANTIATE_TEST_SUITE_P(Step, StepCheat, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const ::testing::TestParamInfo<ChannelMode>& i) {
                           return i.param == ChannelMode::CLEAR ? "Clear" : "ZeroKnowledge";
                         });

}  // namespace
}  // namespace zklora
