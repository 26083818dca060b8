// Proofs of the linear backbone (step/linear_step.h) on the tiny shape with one layer: the identity model end to
// end in both channel modes, the real model with its non-linear outputs as committed unproven inputs; rejection
// of a proof against another batch, another adapter or another model commitment; and, for every operation, a
// changed message (its remainder, its output's value, its first sumcheck round) rejected with a typed error.
#include <gtest/gtest.h>

#include <set>

#include "step/linear_fixture.h"
#include "zklora/model/init_model.h"

namespace zklora {
namespace {

using testing::bump_fr;
using testing::LinearFixture;

ModelConfig one_layer_tiny() {
  ModelConfig c = tiny_model_config();
  c.n_layers = 1;
  return c;
}

const LinearFixture& fixture() {
  static const LinearFixture f = testing::make_linear_fixture(one_layer_tiny(), 1, 8);
  return f;
}

TEST(LinearStep, IdentityModelEndToEndBothModes) {
  const LinearFixture& f = fixture();
  const LinearStatement s = f.statement(NonLinearMode::IDENTITY);
  for (const ChannelMode mode : {ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE}) {
    const auto proof = prove_linear_step(s, f.weights, f.adapter, f.batch, f.commitments, mode);
    const Status v = verify_linear_step(s, public_commitments(f.commitments), proof, mode);
    EXPECT_TRUE(v.ok()) << v.error().to_string();
  }
  // In the identity model only what no operation consumes is committed: the logits, k, v and gate.
  const StepGraph g = build_linear_graph(s).value();
  std::set<std::string> boundary;
  for (const GraphTensor& t : g.tensors()) {
    if (t.boundary) boundary.insert(t.name);
  }
  EXPECT_EQ(boundary, (std::set<std::string>{"logits", "layers.0.k_proj.out", "layers.0.v_proj.out",
                                             "layers.0.gate_proj.out"}));
}

TEST(LinearStep, RealTinyModelWithUnprovenInputs) {
  const LinearFixture& f = fixture();
  const LinearStatement s = f.statement(NonLinearMode::UNPROVEN_INPUTS);
  EXPECT_FALSE(s.proves_whole_step());
  const auto unproven = s.unproven();
  for (const char* op : {"rmsnorm", "attention", "swiglu", "cross-entropy"}) {
    EXPECT_NE(std::find(unproven.begin(), unproven.end(), op), unproven.end()) << op;
  }
  const auto proof = prove_linear_step(s, f.weights, f.adapter, f.batch, f.commitments, ChannelMode::ZERO_KNOWLEDGE);
  const Status v = verify_linear_step(s, public_commitments(f.commitments), proof, ChannelMode::ZERO_KNOWLEDGE);
  EXPECT_TRUE(v.ok()) << v.error().to_string();
  // The same proof read as a proof of the identity model (another statement) is rejected.
  EXPECT_FALSE(verify_linear_step(f.statement(NonLinearMode::IDENTITY), public_commitments(f.commitments), proof,
                                  ChannelMode::ZERO_KNOWLEDGE)
                   .ok());
}

TEST(LinearStep, OtherBatchAdapterOrModelRejected) {
  const LinearFixture& f = fixture();
  const LinearStatement s = f.statement(NonLinearMode::IDENTITY);
  const ChannelMode mode = ChannelMode::CLEAR;
  const auto proof = prove_linear_step(s, f.weights, f.adapter, f.batch, f.commitments, mode);
  const PublicCommitments honest = public_commitments(f.commitments);

  PublicCommitments other = honest;
  Batch b2 = f.batch;
  b2.tokens[3] = (b2.tokens[3] + 1) % static_cast<int32_t>(f.config.vocab_size);
  for (auto& [k, v] : public_commitments(commit_batch(b2))) other.insert_or_assign(k, v);
  EXPECT_EQ(verify_linear_step(s, other, proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  AdapterTensors a2 = f.adapter;
  a2.a_of(0, Projection::V)[5] += 1;
  other = honest;
  for (auto& [k, v] : public_commitments(commit_adapter(a2))) other.insert_or_assign(k, v);
  EXPECT_EQ(verify_linear_step(s, other, proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  const ModelWeights w2 = testing::random_model(f.config, 99, 0.05);
  other = honest;
  for (auto& [k, v] : public_commitments(commit_model_weights(w2))) other.insert_or_assign(k, v);
  EXPECT_EQ(verify_linear_step(s, other, proof, mode).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  // A prover computing with one adapter entry changed, against the statement's adapter commitment: every
  // reduction goes through, the opening of the adapter does not.
  const auto cheat = prove_linear_step(s, f.weights, a2, f.batch, f.commitments, mode);
  EXPECT_EQ(verify_linear_step(s, honest, cheat, mode).code(), ErrorCode::HYRAX_OPENING_MISMATCH);
}

TEST(LinearStep, EveryOperationsMessagesAreChecked) {
  const LinearFixture& f = fixture();
  const LinearStatement s = f.statement(NonLinearMode::IDENTITY);
  const ChannelMode mode = ChannelMode::CLEAR;
  GraphProofMap map;
  const auto proof = prove_linear_step(s, f.weights, f.adapter, f.batch, f.commitments, mode, 0, &map);
  const PublicCommitments pub = public_commitments(f.commitments);
  const StepGraph g = build_linear_graph(s).value();
  std::set<std::string> kinds;
  for (size_t k = 0; k < g.ops().size(); ++k) {
    // The first message of each operation: a remainder (rescale), the left summand (add), a sumcheck round
    // (matmul, embedding).
    auto bad = proof;
    bump_fr(bad, map.op_offsets[k]);
    const Status v = verify_linear_step(s, pub, bad, mode);
    ASSERT_FALSE(v.ok()) << g.tensors()[g.ops()[k].output].name;
    EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
    kinds.insert(std::string(g.ops()[k].op->name()));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"add", "embedding", "matmul", "rescale"}));
  // A changed output value (a boundary tensor's claimed value): its producer's reduction or its opening fails.
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    if (!g.tensors()[i].boundary) continue;
    auto bad = proof;
    bump_fr(bad, map.boundary_offsets[i]);
    const Status v = verify_linear_step(s, pub, bad, mode);
    ASSERT_FALSE(v.ok()) << g.tensors()[i].name;
    EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();
  }
}

TEST(LinearStep, WhatTheProverCommittedIsChecked) {
  // Zero padding for every tensor the prover commits (proof tensors, the adapter, the batch), a range for the
  // adapter; the model's weights are checked once, with their commitment.
  const StepGraph g = build_linear_graph(fixture().statement(NonLinearMode::UNPROVEN_INPUTS)).value();
  size_t adapters = 0;
  for (const GraphTensor& t : g.tensors()) {
    const bool adapter = t.name.starts_with("adapter.");
    if (t.origin == CommitOrigin::PROOF) {
      EXPECT_EQ(t.zero_padding, !t.boundary) << t.name;
      if (!t.boundary) {
        EXPECT_TRUE(t.range || t.name == "embedding.one_hot") << t.name;
      }
    }
    if (t.origin != CommitOrigin::STATEMENT) continue;
    EXPECT_EQ(t.zero_padding, adapter || t.name == "batch.tokens") << t.name;
    if (adapter) {
      ++adapters;
      ASSERT_TRUE(t.range) << t.name;
      EXPECT_EQ(t.range->bits, 63u);
      EXPECT_TRUE(t.range->is_signed);
    } else {
      EXPECT_FALSE(t.range) << t.name;
    }
  }
  EXPECT_EQ(adapters, 14u);
}

}  // namespace
}  // namespace zklora
