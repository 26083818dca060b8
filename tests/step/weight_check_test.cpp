// The well-formedness proof of a base-weight commitment (step/weight_check.h) on a small model whose shapes are
// not powers of two (d_ffn 48): complete; bound to the commitments (another model's, one changed entry) and to
// the configuration; a tampered byte rejected. At the graph level, a committed tensor with a non-zero padding
// entry or an entry outside 32 bits is refused by the honest prover and rejected from a cheating one.
#include <gtest/gtest.h>

#include "piop/test_util.h"
#include "support/random_model.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/poly/shape.h"
#include "zklora/step/graph.h"
#include "zklora/step/weight_check.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {
namespace {

struct Committed {
  ModelWeights weights;
  ProverCommitments commitments;
};

const Committed& small_model() {
  static const Committed c = [] {
    ModelWeights w = testing::random_model(testing::small_config(), 21, 0.05);
    ProverCommitments cm = commit_model_weights(w);
    return Committed{std::move(w), std::move(cm)};
  }();
  return c;
}

TEST(WeightCheck, CompleteAndBoundToTheCommitment) {
  const Committed& m = small_model();
  const ModelConfig& cfg = m.weights.config;
  EXPECT_EQ(model_weight_tensors(cfg).size(), 3u + 9u * static_cast<size_t>(cfg.n_layers));
  const auto proof = prove_weight_check(m.weights, m.commitments);
  const PublicCommitments pub = public_commitments(m.commitments);
  const Status ok = verify_weight_check(cfg, pub, proof);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();

  // One weight changed: its commitment is another.
  PublicCommitments other = pub;
  WTensor down = m.weights.layer(1)->projection(Projection::DOWN);
  down.data[17] += 1;
  other.insert_or_assign("layers.1.down_proj", commit_weight_tensor(down).commitment);
  EXPECT_EQ(verify_weight_check(cfg, other, proof).code(), ErrorCode::TRANSCRIPT_MISMATCH);

  ModelConfig c2 = cfg;
  c2.rope_theta *= 2;
  EXPECT_FALSE(verify_weight_check(c2, pub, proof).ok());
  PublicCommitments missing = pub;
  missing.erase("embed");
  EXPECT_EQ(verify_weight_check(cfg, missing, proof).code(), ErrorCode::INVALID_ARGUMENT);

  for (const size_t at : {size_t{40}, proof.size() / 2, proof.size() - 40}) {
    auto bad = proof;
    bad[at] ^= 0x01;
    const Status v = verify_weight_check(cfg, pub, bad);
    EXPECT_FALSE(v.ok()) << at;
  }
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_FALSE(verify_weight_check(cfg, pub, shorter).ok());
}

// A graph of one checked statement tensor of dims {5, 48} with a 32-bit range, committed from `committed`
// (the padded layout), proven from `claimed` (the real entries the prover says it holds).
Status prove_one(const std::vector<int64_t>& committed, const std::vector<int64_t>& claimed, bool cheat) {
  const std::vector<uint64_t> dims{5, 48};
  StepGraph g;
  g.add_statement_tensor("w", dims, true, RangeSpec{32, true});
  StepWitness w;
  w.set(0, claimed);
  const HyraxCommitted c = hyrax_commit(TableView(committed), HyraxParams::balanced(PaddedShape(dims).num_vars()));
  const HyraxCommitted* stmt[1] = {&c};
  Transcript tp("weight-check-test");
  auto p = make_prover_channel(ChannelMode::CLEAR, tp);
  if (cheat) p->allow_false_relations();
  graph_prove(*p, g, w, stmt);
  Transcript tv("weight-check-test");
  auto v = make_verifier_channel(ChannelMode::CLEAR, tv, p->proof());
  const HyraxCommitment* pub[1] = {&c.commitment};
  return graph_verify(*v, g, pub);
}

TEST(WeightCheck, PaddingAndRangeOfACommittedTensor) {
  std::mt19937_64 gen(5);
  const PaddedShape shape({5, 48});
  const std::vector<int64_t> real = testing::random_ints(gen, 5 * 48, 31);
  const std::vector<int64_t> padded = shape.pad(std::span<const int64_t>(real));
  ASSERT_TRUE(prove_one(padded, real, false).ok());

  // Garbage in the padding of the commitment: the prover's zero-padded witness does not open to it.
  std::vector<int64_t> garbage = padded;
  garbage[64 * 1 + 50] = 9;
  const Status v = prove_one(garbage, real, true);
  ASSERT_FALSE(v.ok());
  EXPECT_GE(static_cast<int>(v.code()), 100) << v.error().to_string();

  // An entry of 2^40: the honest prover refuses it; claiming it in range (its low 32 bits) fails the opening.
  std::vector<int64_t> big = real;
  big[7] = int64_t{1} << 40;
  const std::vector<int64_t> big_padded = shape.pad(std::span<const int64_t>(big));
  EXPECT_THROW((void)prove_one(big_padded, big, false), ZkError);
  std::vector<int64_t> low = big;
  low[7] = 0;
  const Status w = prove_one(big_padded, low, true);
  ASSERT_FALSE(w.ok());
  EXPECT_GE(static_cast<int>(w.code()), 100) << w.error().to_string();
}

}  // namespace
}  // namespace zklora
