// The step graph's own contracts on a small graph (x committed in the statement, y = x + x): a derived output
// whose commitment is part of the statement (the adapter after an update, next) is tied to what its producer
// computes, so a statement naming another tensor is rejected; a graph with a derived tensor nothing tests is
// refused before anything is proven; a rejection names the operation it came from.
#include "zklora/step/graph.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "piop/test_util.h"
#include "zklora/ops/add/add_op.h"

namespace zklora::testing {
namespace {

const std::vector<uint64_t> kDims = {3, 5};  // padded to 4 x 8

struct Doubled {
  StepGraph graph;
  size_t x = 0, y = 0;
};

// x (statement, checked, signed 16 bits) and y = x + x; y is the statement's output when `y_in_statement`.
Doubled doubled_graph(bool y_in_statement = true) {
  Doubled d;
  d.x = d.graph.add_statement_tensor("x", kDims, true, RangeSpec{16, true});
  d.y = d.graph.apply1(std::make_unique<AddOp>(kDims), {d.x, d.x}, "double");
  if (y_in_statement) d.graph.mark_statement_output(d.y);
  return d;
}

struct DoubleRun {
  Doubled d = doubled_graph();
  StepWitness witness;
  std::vector<int64_t> xs, ys;
};

// The witness for x; y as the operation computes it, or `y_override` (a cheating prover's statement output).
DoubleRun run(std::vector<int64_t> y_override = {}) {
  DoubleRun r;
  std::mt19937_64 gen(5);
  r.xs = random_ints(gen, 15, 12);
  r.witness.set(r.d.x, r.xs);
  graph_compute_witness(r.d.graph, r.witness);
  r.ys = view_to_i64(r.witness.data(r.d.y));
  if (!y_override.empty()) {
    r.ys = std::move(y_override);
    r.witness.set(r.d.y, r.ys);
  }
  return r;
}

std::vector<uint8_t> prove(const DoubleRun& r, ChannelMode mode, const HyraxCommitted& cx, const HyraxCommitted& cy,
                           bool cheat = false, GraphProofMap* map = nullptr) {
  Transcript t("graph-test");
  auto ch = make_prover_channel(mode, t);
  if (cheat) ch->allow_false_relations();
  const HyraxCommitted* st[] = {&cx, &cy};
  graph_prove(*ch, r.d.graph, r.witness, st, {}, 0, map);
  return ch->take_proof();
}

Status verify(ChannelMode mode, std::span<const uint8_t> proof, const HyraxCommitment& cx,
              const HyraxCommitment& cy) {
  const Doubled d = doubled_graph();
  Transcript t("graph-test");
  auto ch = make_verifier_channel(mode, t, proof);
  const HyraxCommitment* st[] = {&cx, &cy};
  return graph_verify(*ch, d.graph, st);
}

class Graph : public ::testing::TestWithParam<ChannelMode> {};

TEST_P(Graph, StatementOutputIsWhatItsProducerComputes) {
  const ChannelMode mode = GetParam();
  const DoubleRun honest = run();
  for (size_t i = 0; i < honest.xs.size(); ++i) ASSERT_EQ(honest.ys[i], 2 * honest.xs[i]);
  const HyraxCommitted cx = hyrax_commit_tensor(kDims, honest.xs);
  const HyraxCommitted cy = hyrax_commit_tensor(kDims, honest.ys);
  const auto proof = prove(honest, mode, cx, cy);
  const Status ok = verify(mode, proof, cx.commitment, cy.commitment);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();

  // A statement whose output commitment holds one entry changed: the honest prover refuses to prove it, a
  // cheating prover's proof is rejected.
  auto ys = honest.ys;
  ys[7] += 1;
  const DoubleRun cheat = run(ys);
  const HyraxCommitted cy_bad = hyrax_commit_tensor(kDims, ys);
  EXPECT_THROW((void)prove(cheat, mode, cx, cy_bad), ZkError);
  const Status v = verify(mode, prove(cheat, mode, cx, cy_bad, true), cx.commitment, cy_bad.commitment);
  // add is linear: the verifier derives the claim on y from the claim on x, so the changed entry surfaces where
  // the claims on y's commitment are opened.
  EXPECT_EQ(v.code(), ErrorCode::SUMCHECK_FINAL_MISMATCH) << v.error().to_string();
  // The honest proof does not verify against the changed statement.
  EXPECT_FALSE(verify(mode, proof, cx.commitment, cy_bad.commitment).ok());
}

INSTANTIATE_TEST_SUITE_P(Modes, Graph, ::testing::Values(ChannelMode::CLEAR, ChannelMode::ZERO_KNOWLEDGE),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

TEST(GraphShape, ADerivedTensorNothingTestsIsRefused) {
  const Doubled d = doubled_graph(false);
  const Status s = d.graph.validate();
  EXPECT_EQ(s.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error().message.find("double"), std::string::npos) << s.error().to_string();
  // The prover refuses it too.
  StepWitness w;
  std::mt19937_64 gen(6);
  w.set(d.x, random_ints(gen, 15, 12));
  graph_compute_witness(d.graph, w);
  const HyraxCommitted cx = hyrax_commit_tensor(kDims, view_to_i64(w.data(d.x)));
  Transcript t("graph-test");
  auto ch = make_prover_channel(ChannelMode::CLEAR, t);
  const HyraxCommitted* st[] = {&cx};
  EXPECT_THROW(graph_prove(*ch, d.graph, w, st), ZkError);
}

TEST(GraphShape, StatementCommitmentsMustFitTheGraph) {
  const DoubleRun r = run();
  const HyraxCommitted cx = hyrax_commit_tensor(kDims, r.xs);
  const HyraxCommitted cy = hyrax_commit_tensor(kDims, r.ys);
  const auto proof = prove(r, ChannelMode::CLEAR, cx, cy);
  // One commitment short, and a commitment of another shape.
  const Doubled d = doubled_graph();
  Transcript t("graph-test");
  auto ch = make_verifier_channel(ChannelMode::CLEAR, t, proof);
  const HyraxCommitment* one[] = {&cx.commitment};
  EXPECT_EQ(graph_verify(*ch, d.graph, one).code(), ErrorCode::INVALID_ARGUMENT);
  const HyraxCommitted wide = hyrax_commit_tensor(std::vector<uint64_t>{3, 9}, std::vector<int64_t>(27, 1));
  Transcript t2("graph-test");
  auto ch2 = make_verifier_channel(ChannelMode::CLEAR, t2, proof);
  const HyraxCommitment* bad[] = {&cx.commitment, &wide.commitment};
  EXPECT_EQ(graph_verify(*ch2, d.graph, bad).code(), ErrorCode::HYRAX_SHAPE_MISMATCH);
}

}  // namespace
}  // namespace zklora::testing
