// `zklora train`: LoRA fine-tuning of a checkpoint on a data set in fixed point, writing the adapter in PEFT's
// layout and a report (DESIGN.md section 6). The proof of each step is added by the step layer; this is the
// computation it proves (--no-prove runs it alone).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "zklora/base/error.h"
#include "zklora/model/config.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"

namespace zklora {

struct TrainOptions {
  std::filesystem::path model_dir;
  std::filesystem::path data_file;
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> init_adapter;  // PEFT directory; else A random from seed, B = 0
  std::optional<std::filesystem::path> dump_grads;    // step-1 gradients of the mean loss as JSON
  int64_t steps = 1;
  int64_t batch = 1;
  int64_t seq = 64;
  uint64_t seed = 0;
  LoraConfig lora;
  OptimizerConfig optimizer;
  bool overwrite = false;
  bool quiet = false;
  Status validate() const;
  // Against the model and the data set read: at least one example, a batch no larger than the data set, sequences
  // no longer than the model's positions (INVALID_ARGUMENT naming the option).
  Status validate_for(const ModelConfig& model, int64_t examples) const;
};

// The adapter a run starts from: init_adapter's (from the seed) or the PEFT adapter of init_adapter.
Result<AdapterTensors> initial_adapter(const TrainOptions& options, const ModelConfig& model);

// Order of examples: epoch e is a Fisher-Yates shuffle of 0..n-1 driven by splitmix64 seeded with
// seed + e; step s of an epoch takes positions [s B, (s + 1) B); an epoch has floor(n / B) steps.
std::vector<int64_t> batch_indices(int64_t n, int64_t batch, uint64_t seed, int64_t step);

struct TrainSummary {
  std::vector<double> losses;
};

Result<TrainSummary> train(const TrainOptions& options);

}  // namespace zklora
