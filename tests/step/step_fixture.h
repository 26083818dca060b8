// Test support for step proofs: a model, an adapter, a batch and their commitments, the statement over them, and
// the model's weight commitment as a verifier takes it.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "piop/test_util.h"
#include "support/random_model.h"
#include "zklora/fixed/format.h"
#include "zklora/step/step_proof.h"
#include "zklora/step/weight_commitment.h"

namespace zklora::testing {

struct StepFixture {
  ModelConfig config;
  ModelWeights weights;
  AdapterTensors adapter;
  Batch batch;
  ProverCommitments commitments;

  StepStatement statement(StepMode mode) const {
    StepStatement s;
    s.model = config;
    s.lora = adapter.config;
    s.format_version = kFixedFormatVersion;
    s.batch = batch.batch;
    s.seq = batch.seq;
    s.mode = mode;
    return s;
  }
  PublicCommitments public_part() const { return public_commitments(commitments); }
  // The weights trusted as they are (the weight check has tests of its own, step/weight_check_test.cpp).
  WeightCommitment weights_trusted() const {
    PublicCommitments w;
    for (const auto& [n, c] : commitments) {
      if (!n.starts_with("adapter.") && !n.starts_with("batch.")) w.emplace(n, c.commitment);
    }
    return WeightCommitment::trusted(std::move(w));
  }
  Status verify(const StepStatement& s, const StepProofData& proof, ChannelMode mode) const {
    return verify_step(s, weights_trusted(), public_part(), proof, mode);
  }
  // What a verifier of p's step holds: the fixture's commitments and the step's outputs.
  PublicCommitments public_with(const StepProver& p) const {
    PublicCommitments pub = public_part();
    for (const auto& [n, c] : public_commitments(p.outputs().commitments)) pub.insert_or_assign(n, c);
    return pub;
  }
  // The part whose witness w is (the caller may have changed it: false relations allowed) proven and verified on
  // its own, given p's header.
  Status prove_part(const StepProver& p, const PartWitness& w, ChannelMode mode, bool cheat = true) const {
    StepProveOptions opt;
    opt.allow_false_relations = cheat;
    const std::vector<uint8_t> proof = p.prove(w, opt);
    auto v = StepVerifier::make(p.statement(), weights_trusted(), nullptr, public_with(p), p.header());
    if (!v) return v.error();
    return v->verify(w.index, proof, mode);
  }
};

// The index of a part in p's plan.
inline size_t part_index(const StepProver& p, PartId part) {
  const auto& parts = p.plan().parts;
  return static_cast<size_t>(std::find(parts.begin(), parts.end(), part) - parts.begin());
}

// A cheating prover's part: w's tensor `id` changed by `delta` at entry `at` and every operation after its
// producer computed again; the cuts and outputs the part produces committed as the changed witness has them (the
// header changes with them), so that what rejects the proof is the part's own relations.
inline void change_and_recompute(StepProver& p, PartWitness& w, size_t id, size_t at, int64_t delta) {
  std::vector<int64_t> v = view_to_i64(w.witness.data(id));
  v.at(at) += delta;
  w.witness.set(id, std::move(v));
  const int64_t producer = w.graph.tensors()[id].producer;
  graph_compute_witness(w.graph, w.witness, 0, producer < 0 ? 0 : static_cast<size_t>(producer + 1));
  for (const size_t i : w.graph.statement_tensors()) {
    const GraphTensor& t = w.graph.tensors()[i];
    if (t.producer >= 0) p.replace_committed(*t.key, view_to_i64(w.witness.data(i)));
  }
}

inline ProverCommitments all_commitments(const ModelWeights& w, const AdapterTensors& a, const Batch& b) {
  ProverCommitments c = commit_model_weights(w);
  c.merge(commit_adapter(a));
  c.merge(commit_batch(b));
  return c;
}

// batch sequences of `seq` tokens (the last ones padding when the random sequence is shorter).
inline StepFixture make_step_fixture(const ModelConfig& c, int64_t batch, int64_t seq,
                                     std::vector<Projection> targets = {std::begin(kAllProjections),
                                                                        std::end(kAllProjections)}) {
  ModelWeights w = random_model(c, 5, 0.05);
  AdapterTensors a = random_adapter(c, 6, std::move(targets));
  Batch b = make_batch(random_sequences(batch, seq, c.vocab_size, 7), seq, c);
  ProverCommitments cm = all_commitments(w, a, b);
  return StepFixture{c, std::move(w), std::move(a), std::move(b), std::move(cm)};
}

}  // namespace zklora::testing
