// Proofs of the linear backbone (statement.h, LINEAR_BACKBONE): the tiny shape with one layer in both channel
// modes, its unproven list; rejection of a proof against another batch, another adapter or another model
// commitment; for every operation a changed message (its first) rejected with a typed error; what the prover
// committed is checked.
#include <gtest/gtest.h>

#include <set>

#include "step/step_fixture.h"
#include "zklora/model/init_model.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

using testing::bump_fr;
using testing::StepFixture;

ModelConfig one_layer_tiny() {
  ModelConfig c = tiny_model_config();
  c.n_layers = 1;
  return c;
}

const StepFixture& fixture() {
  static const StepFixture f = testing::make_step_fixture(one_layer_tiny(), 1, 8);
  return f;
}

TEST(LinearBackbone, ProvesInBothModesAndListsWhatIsUnproven) {
  const StepFixture& f = fixture();
  const StepStatement s = f.statement(StepMode::LINEAR_BACKBONE);
  EXPECT_FALSE(s.proves_whole_forward());
  const auto unproven = s.unproven();
  for (const char* op : {"rmsnorm", "rope", "attention", "swiglu", "cross-entropy"}) {
    EXPECT_NE(std::find(unproven.begin(), unproven.end(), op), unproven.end()) << op;
  }
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    const StepProof p = prove_step(s, {f.weights, f.adapter, f.batch}, f.commitments, mode);
    const Status v = f.verify(p.statement, p.proof, mode);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
  }
}

TEST(LinearBackbone, OtherBatchAdapterOrModelRejected) {
  const StepFixture& f = fixture();
  const StepStatement s = f.statement(StepMode::LINEAR_BACKBONE);
  const ChannelMode mode = ChannelMode::CLEAR;
  const StepProof p = prove_step(s, {f.weights, f.adapter, f.batch}, f.commitments, mode);
  const PublicCommitments honest = f.public_part();

  PublicCommitments other = honest;
  Batch b2 = f.batch;
  b2.tokens[3] = (b2.tokens[3] + 1) % static_cast<int32_t>(f.config.vocab_size);
  for (auto& [k, v] : public_commitments(commit_batch(b2))) other.insert_or_assign(k, v);
  EXPECT_EQ(verify_step(s, f.weights_trusted(), other, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  AdapterTensors a2 = f.adapter;
  a2.a_of(0, Projection::V)[5] += 1;
  other = honest;
  for (auto& [k, v] : public_commitments(commit_adapter(a2))) other.insert_or_assign(k, v);
  EXPECT_EQ(verify_step(s, f.weights_trusted(), other, p.proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  const ModelWeights w2 = testing::random_model(f.config, 99, 0.05);
  EXPECT_EQ(verify_step(s, WeightCommitment::trusted(public_commitments(commit_model_weights(w2))), honest, p.proof,
                        mode)
                .code(),
            ErrorCode::TRANSCRIPT_MISMATCH);

  // A prover computing with one adapter entry changed, against the statement's adapter commitment: every
  // reduction goes through, the opening of the adapter does not.
  const StepProof cheat = prove_step(s, {f.weights, a2, f.batch}, f.commitments, mode);
  EXPECT_EQ(f.verify(s, cheat.proof, mode).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
  // Missing commitments.
  other = honest;
  other.erase("batch.tokens");
  EXPECT_EQ(verify_step(s, f.weights_trusted(), other, p.proof, mode).code(), ErrorCode::INVALID_ARGUMENT);
  // A weight commitment passed among the others is not taken: weights come only from the WeightCommitment.
  PublicCommitments no_embed;
  const WeightCommitment all = f.weights_trusted();
  for (const auto& [k, v] : all.tensors()) {
    if (k != "embed") no_embed.emplace(k, v);
  }
  EXPECT_EQ(verify_step(s, WeightCommitment::trusted(no_embed), honest, p.proof, mode).code(),
            ErrorCode::INVALID_ARGUMENT);
}

TEST(LinearBackbone, EveryOperationsMessagesAreChecked) {
  const StepFixture& f = fixture();
  const StepStatement s = f.statement(StepMode::LINEAR_BACKBONE);
  const ChannelMode mode = ChannelMode::CLEAR;
  const StepProver p(s, {f.weights, f.adapter, f.batch}, f.commitments, mode);
  const StepVerifier verifier =
      StepVerifier::make(p.statement(), f.weights_trusted(), nullptr, f.public_with(p), p.header()).value();
  std::set<std::string> kinds;
  for (size_t part = 0; part < p.plan().parts.size(); ++part) {
    GraphProofMap map;
    StepProveOptions opt;
    opt.map = &map;
    const PartWitness w = p.witness(part);
    const std::vector<uint8_t> proof = p.prove(w, opt);
    ASSERT_TRUE(verifier.verify(part, proof, mode).ok());
    const StepGraph& g = w.graph;
    for (size_t k = 0; k < g.ops().size(); ++k) {
      // The first message of each operation: a remainder (rescale), the left summand (add), a sumcheck round
      // (matmul, embedding).
      auto bad = proof;
      bump_fr(bad, map.op_offsets[k]);
      const Status v = verifier.verify(part, bad, mode);
      ASSERT_FALSE(v.ok()) << g.ops()[k].name;
      EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
      // Reported by the check that reads the message: this operation's, or the next one's that reads the claim.
      const std::string where = p.plan().parts[part].name() + ": ";
      EXPECT_TRUE(v.error().message.starts_with(where + "operation ") ||
                  v.error().message.starts_with(where + "openings"))
          << v.error().to_string();
      kinds.insert(std::string(g.ops()[k].op->kind()));
    }
    // A changed cut value: its producer's reduction or its opening fails.
    for (size_t i = 0; i < g.tensors().size(); ++i) {
      if (!g.tensors()[i].cut || map.cut_offsets[i] == 0) continue;
      auto bad = proof;
      bump_fr(bad, map.cut_offsets[i]);
      const Status v = verifier.verify(part, bad, mode);
      ASSERT_FALSE(v.ok()) << g.tensors()[i].name;
      EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"add", "embedding", "matmul", "rescale"}));
}

TEST(LinearBackbone, WhatTheProverCommittedIsChecked) {
  // Zero padding for every tensor the prover commits in a sub-proof (proof tensors, the adapter, the batch), a
  // range for the adapter; the model's weights are checked once, with their commitment; the cuts between parts by
  // the part that produces them.
  const StepStatement s = fixture().statement(StepMode::LINEAR_BACKBONE);
  size_t adapters = 0;
  for (const PartId& part : step_plan(s).parts) {
    const StepGraph g = build_part_graph(s, part).value();
    for (const GraphTensor& t : g.tensors()) {
      const bool adapter = t.name.starts_with("adapter.");
      if (t.origin == TensorOrigin::PROOF) {
        EXPECT_EQ(t.checked, !t.cut) << t.name;
        if (!t.cut) {
          EXPECT_TRUE(t.range || t.name == "embedding.one_hot") << t.name;
        }
      }
      if (t.origin != TensorOrigin::STATEMENT) continue;
      EXPECT_EQ(t.checked, adapter || t.name == "batch.tokens") << t.name;
      if (t.key && t.key->is_cut()) {
        EXPECT_TRUE(t.producer >= 0 ? t.cut : !t.checked) << t.name;
      }
      if (adapter) {
        ++adapters;
        ASSERT_TRUE(t.range) << t.name;
        EXPECT_EQ(t.range->bits, 63u);
        EXPECT_TRUE(t.range->is_signed);
      } else {
        EXPECT_FALSE(t.range) << t.name;
      }
    }
  }
  EXPECT_EQ(adapters, 14u);
}

}  // namespace
}  // namespace zklora
