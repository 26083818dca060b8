// Soundness of step proofs against a cheating prover (step/step_proof.h): a part's witness is the one the operations
// compute with one value changed (an operation's output, a remainder, the one-hot matrix of the embedding, an
// adapter entry), and the prover keeps going where a relation fails (ProverChannel::allow_false_relations). Every
// such proof is rejected with a typed rejection. The model is small and its shapes are not powers of two (d_ffn
// 48, six tokens), so the padding of every tensor takes part.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "step/step_fixture.h"

namespace zklora {
namespace {

using testing::StepFixture;

ModelConfig one_layer_small() {
  ModelConfig c = testing::small_config();
  c.n_layers = 1;
  return c;
}

const StepFixture& fixture() {
  static const StepFixture f = testing::make_step_fixture(one_layer_small(), 1, 6);
  return f;
}

bool is_remainder(const std::string& name) { return name.ends_with(".remainder"); }

bool is_other_projection(const std::string& name) {
  for (const char* p : {".k_proj.", ".v_proj.", ".o_proj.", ".gate_proj.", ".up_proj."}) {
    if (name.find(p) != std::string::npos) return true;
  }
  return false;
}

// Proves the part's witness with tensor `id` changed by `delta` at entry `at` (nothing recomputed, the header as
// the honest prover committed it), then verifies the part.
Status prove_changed(const StepFixture& f, const StepProver& p, PartWitness& w, size_t id, size_t at, int64_t delta,
                     ChannelMode mode) {
  const std::vector<int64_t> honest = view_to_i64(w.witness.data(id));
  std::vector<int64_t> changed = honest;
  changed.at(at) += delta;
  w.witness.set(id, changed);
  const Status v = f.prove_part(p, w, mode);
  w.witness.set(id, honest);
  return v;
}

// The entry to change, and by how much, so that a range-checked value stays in its range (the prover could not
// even commit to it otherwise) and the one-hot matrix stays 0/1.
std::pair<size_t, int64_t> change_for(const GraphTensor& t, const std::vector<int64_t>& v) {
  const size_t at = v.size() / 2;
  if (t.name == "embedding.one_hot") {
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == 0) return {i, 1};
    }
  }
  if (is_remainder(t.name) && v[at] > 0) return {at, -1};
  return {at, 1};
}

StepProver prover_of(const StepStatement& s, ChannelMode mode) {
  const StepFixture& f = fixture();
  return StepProver(s, {f.weights, f.adapter, f.batch}, f.commitments, mode);
}

TEST(StepWitness, HonestWitnessProvesWithFalseRelationsAllowed) {
  const StepFixture& f = fixture();
  const StepProver p = prover_of(f.statement(StepMode::LINEAR_BACKBONE), ChannelMode::CLEAR);
  for (size_t k = 0; k < p.plan().parts.size(); ++k) {
    const Status v = f.prove_part(p, p.witness(k), ChannelMode::CLEAR);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
  }
}

TEST(StepWitness, HonestProverRefusesAChangedWitness) {
  const StepFixture& f = fixture();
  const StepProver p = prover_of(f.statement(StepMode::LINEAR_BACKBONE), ChannelMode::CLEAR);
  PartWitness w = p.witness(testing::part_index(p, {PartKind::LAYER, 0}));
  const size_t id = w.graph.find("layers.0.q_proj.base");
  std::vector<int64_t> v = view_to_i64(w.witness.data(id));
  v[0] += 1;
  w.witness.set(id, v);
  EXPECT_THROW((void)p.prove(w), ZkError);
}

TEST(StepWitness, EveryChangedOutputAndRemainderRejected) {
  const StepFixture& f = fixture();
  const StepProver p = prover_of(f.statement(StepMode::LINEAR_BACKBONE), ChannelMode::CLEAR);
  std::set<std::string> kinds;
  size_t remainders = 0;
  for (size_t k = 0; k < p.plan().parts.size(); ++k) {
    PartWitness w = p.witness(k);
    const auto& ts = w.graph.tensors();
    for (size_t id = 0; id < ts.size(); ++id) {
      const GraphTensor& t = ts[id];
      // A derived tensor with one claim and no range check (a product consumed by its rescaling, a projection's
      // sum consumed by one addition) is never read by the prover: its one claim follows from its consumer's
      // relation, so changing it changes no message. The operations are tested through the values they read.
      const size_t claims = t.consumers + (t.range ? 1 : 0) + (t.cut ? 1 : 0);
      if (t.origin == TensorOrigin::DERIVED && claims < 2) continue;
      // The seven projections are one construction: q (read from the first unproven input) and down (an inner
      // dimension of 48, padded to 64) stand for them all.
      if (is_other_projection(t.name)) continue;
      if (t.producer < 0) continue;  // statement tensors and unproven inputs: the engine's, not an operation's
      const auto [at, delta] = change_for(t, view_to_i64(w.witness.data(id)));
      const Status v = prove_changed(f, p, w, id, at, delta, ChannelMode::CLEAR);
      ASSERT_FALSE(v.ok()) << t.name;
      EXPECT_GE(static_cast<int>(v.code()), 100) << t.name << ": " << v.error().to_string();
      kinds.insert(std::string(w.graph.ops()[static_cast<size_t>(t.producer)].op->kind()));
      if (is_remainder(t.name)) ++remainders;
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"add", "embedding", "rescale"}));
  EXPECT_EQ(remainders, 2u * 3u + 1u);  // base, lora_a and lora of q and down, the logits
}

TEST(StepWitness, ChangedValuesRejectedInTheZeroKnowledgeChannel) {
  const StepFixture& f = fixture();
  const StepProver p = prover_of(f.statement(StepMode::LINEAR_BACKBONE), ChannelMode::ZERO_KNOWLEDGE);
  PartWitness w = p.witness(testing::part_index(p, {PartKind::LAYER, 0}));
  for (const char* name : {"layers.0.down_proj.lora.remainder", "layers.0.residual.attn"}) {
    const size_t id = w.graph.find(name);
    const auto [at, delta] = change_for(w.graph.tensors()[id], view_to_i64(w.witness.data(id)));
    const Status v = prove_changed(f, p, w, id, at, delta, ChannelMode::ZERO_KNOWLEDGE);
    ASSERT_FALSE(v.ok()) << name;
    EXPECT_GE(static_cast<int>(v.code()), 100) << name << ": " << v.error().to_string();
  }
}

TEST(StepWitness, ChangedAdapterEntryRejected) {
  // The prover reads B changed in one entry (and the outputs of the honest B); the statement holds the adapter's
  // commitment. (linear_backbone_test.cpp: a prover computing every output from the changed B.)
  const StepFixture& f = fixture();
  const StepProver p = prover_of(f.statement(StepMode::LINEAR_BACKBONE), ChannelMode::CLEAR);
  PartWitness w = p.witness(testing::part_index(p, {PartKind::LAYER, 0}));
  const size_t id = w.graph.find("adapter.0.o_proj.B");
  const Status v = prove_changed(f, p, w, id, 3, 1, ChannelMode::CLEAR);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
}

}  // namespace
}  // namespace zklora
