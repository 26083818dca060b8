// Test support for the proofs of the linear backbone: a model, an adapter, a batch and their commitments, and
// the statement over them.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "piop/test_util.h"
#include "support/random_model.h"
#include "zklora/fixed/format.h"
#include "zklora/step/linear_step.h"
#include "zklora/step/weight_commitment.h"

namespace zklora::testing {

struct LinearFixture {
  ModelConfig config;
  ModelWeights weights;
  AdapterTensors adapter;
  Batch batch;
  ProverCommitments commitments;

  LinearStatement statement(NonLinearMode mode) const {
    LinearStatement s;
    s.model = config;
    s.lora = adapter.config;
    s.format_version = kFixedFormatVersion;
    s.batch = batch.batch;
    s.seq = batch.seq;
    s.mode = mode;
    return s;
  }
};

inline ProverCommitments all_commitments(const ModelWeights& w, const AdapterTensors& a, const Batch& b) {
  ProverCommitments c = commit_model_weights(w);
  c.merge(commit_adapter(a));
  c.merge(commit_batch(b));
  return c;
}

// batch sequences of `seq` tokens (the last ones padding when the random sequence is shorter).
inline LinearFixture make_linear_fixture(const ModelConfig& c, int64_t batch, int64_t seq) {
  ModelWeights w = random_model(c, 5, 0.05);
  AdapterTensors a = random_adapter(c, 6);
  Batch b = make_batch(random_sequences(batch, seq, c.vocab_size, 7), seq, c);
  ProverCommitments cm = all_commitments(w, a, b);
  return LinearFixture{c, std::move(w), std::move(a), std::move(b), std::move(cm)};
}

}  // namespace zklora::testing
