// Test support: a small instance of each of the run's file formats (io/run_files.h, io/run_statement.h), for the
// format tests and the golden files.
#pragma once

#include <vector>

#include "support/random_model.h"
#include "zklora/io/run_files.h"
#include "zklora/io/run_statement.h"
#include "zklora/io/step_file.h"
#include "zklora/pcs/hyrax.h"

namespace zklora::testing::samples {

inline PublicCommitments some_commitments() {
  PublicCommitments c;
  const std::vector<int64_t> a{1, -2, 3, 4, 5, 6, 7, 8}, b{9, 10};
  c.emplace("adapter.0.q_proj.A", hyrax_commit_tensor(std::vector<uint64_t>{2, 4}, std::span<const int64_t>(a)).commitment);
  c.emplace("adapter.0.q_proj.B", hyrax_commit_tensor(std::vector<uint64_t>{2, 1}, std::span<const int64_t>(b)).commitment);
  return c;
}

inline StepFile some_step_file() {
  StepFile f;
  StepFileHead& h = f.head;
  h.run.fill(7);
  h.step = 3;
  h.indices = {4, 1};
  h.loss_sum = 123456;
  h.count = 9;
  h.input.fill(2);
  for (const auto& [name, c] : some_commitments()) h.outputs.emplace("next." + name, c);
  for (const auto& [name, c] : some_commitments()) h.cuts.emplace_back("cut." + name, c);
  f.parts.push_back({{PartKind::EMBEDDING, 0}, std::vector<uint8_t>(100, 0xab)});
  f.parts.push_back({{PartKind::LAYER, 0}, std::vector<uint8_t>(120, 0xcd)});
  f.parts.push_back({{PartKind::HEAD, 0}, std::vector<uint8_t>(80, 0xef)});
  return f;
}

inline TensorOpening some_opening() {
  TensorOpening o;
  o.step = 2;
  OpenedTensor t;
  t.dims = {2, 4};
  t.data = {1, -2, 3, 4, 5, 6, 7, 8};
  t.blinds = {Fr::from_u64(5)};
  o.tensors.emplace("adapter.0.q_proj.A", t);
  return o;
}

inline RunStatement some_statement() {
  RunStatement s;
  s.format_version = 2;
  s.model = testing::small_config();
  s.model_hash = "abc";
  s.lora.targets = {Projection::Q, Projection::V};
  s.optimizer.lr = 0.1;  // not exact in binary: must round-trip through JSON bit for bit
  s.optimizer.weight_decay = 1.0 / 3.0;
  s.batch = 2;
  s.seq = 6;
  s.steps = 3;
  s.seed = 0xfedcba9876543210ull;
  s.data_examples = 7;
  s.weights_digest.fill(1);
  s.data_digest.fill(2);
  s.initial_digest.fill(3);
  return s;
}

}  // namespace zklora::testing::samples
