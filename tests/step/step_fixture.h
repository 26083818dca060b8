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
  Status verify(const StepStatement& s, std::span<const uint8_t> proof, ChannelMode mode) const {
    return verify_step(s, weights_trusted(), public_part(), proof, mode);
  }
};

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
