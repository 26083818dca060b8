#include "zklora/model/trainer.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <numeric>
#include <vector>

#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/adapter_io.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/dataset.h"

namespace zklora {
namespace {

Status refuse_existing(const std::filesystem::path& p, bool overwrite) {
  if (!overwrite && std::filesystem::exists(p)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, p.string() + " exists; pass --overwrite to replace it");
  }
  return {};
}

Status write_json(const std::filesystem::path& p, const nlohmann::json& j) {
  return write_file_atomically(p, j.dump(1) + "\n");
}

nlohmann::json mean_gradients_json(const AdapterTensors& grads, int64_t count) {
  nlohmann::json out = nlohmann::json::object();
  const FloatAdapter fa = adapter_to_float(grads, kFixed.grad);
  for (const auto& [name, t] : fa.tensors) {
    nlohmann::json flat = nlohmann::json::array();
    for (const float x : t.data) flat.push_back(static_cast<double>(x) / static_cast<double>(count));
    out[name] = std::move(flat);
  }
  return out;
}

}  // namespace

Status TrainOptions::validate() const {
  auto bad = [](const std::string& m) { return make_error(ErrorCode::INVALID_ARGUMENT, m); };
  if (steps < 1) return bad("--steps must be at least 1");
  if (batch < 1) return bad("--batch must be at least 1");
  if (seq < 2) return bad("--seq must be at least 2");
  if (Status s = lora.validate(); !s.ok()) return s;
  return optimizer.validate();
}

Status TrainOptions::validate_for(const ModelConfig& model, int64_t examples) const {
  if (examples == 0) return make_error(ErrorCode::INVALID_ARGUMENT, data_file.string() + " holds no examples");
  if (batch > examples) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--batch " + std::to_string(batch) + " exceeds the " +
                                                       std::to_string(examples) + " examples of the data set");
  }
  if (seq > model.max_seq) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "--seq exceeds max_position_embeddings (" +
                                                       std::to_string(model.max_seq) + ")");
  }
  return {};
}

Result<AdapterTensors> initial_adapter(const TrainOptions& opt, const ModelConfig& model) {
  if (opt.init_adapter) {
    auto fa = read_peft_adapter(*opt.init_adapter, model);
    if (!fa.ok()) return fa.error();
    return adapter_from_float(fa.value(), model);
  }
  if (Status s = opt.lora.validate(); !s.ok()) return s.error();
  return init_adapter(model, opt.lora, opt.seed);
}

std::vector<int64_t> batch_indices(int64_t n, int64_t batch, uint64_t seed, int64_t step) {
  const int64_t per_epoch = n / batch;
  const int64_t epoch = step / per_epoch, within = step % per_epoch;
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  SplitMix64 rng(seed + static_cast<uint64_t>(epoch));
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return {order.begin() + within * batch, order.begin() + (within + 1) * batch};
}

Result<TrainSummary> train(const TrainOptions& opt) {
  if (Status s = opt.validate(); !s.ok()) return s.error();
  for (const char* f : {"adapter_config.json", "adapter_model.safetensors", "report.json"}) {
    if (Status s = refuse_existing(opt.out_dir / f, opt.overwrite); !s.ok()) return s.error();
  }
  if (opt.dump_grads) {
    if (Status s = refuse_existing(*opt.dump_grads, opt.overwrite); !s.ok()) return s.error();
  }

  auto opened = Checkpoint::open(opt.model_dir);
  if (!opened.ok()) return opened.error();
  auto ckpt = std::make_shared<const Checkpoint>(std::move(opened.value()));
  const ModelConfig& cfg = ckpt->config();
  auto data = load_dataset(opt.data_file, opt.model_dir / "tokenizer.model", cfg);
  if (!data.ok()) return data.error();
  const int64_t n = static_cast<int64_t>(data.value().size());
  if (Status s = opt.validate_for(cfg, n); !s.ok()) return s.error();
  auto initial = initial_adapter(opt, cfg);
  if (!initial.ok()) return initial.error();
  AdapterTensors adapter = std::move(initial.value());

  auto weights = ModelWeights::from_checkpoint(ckpt, ModelWeights::should_stream(cfg));
  if (!weights.ok()) return weights.error();

  std::vector<std::filesystem::path> dirs{opt.out_dir};
  if (opt.dump_grads && opt.dump_grads->has_parent_path()) dirs.push_back(opt.dump_grads->parent_path());
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(ErrorCode::IO, "cannot create " + dir.string() + ": " + ec.message());
  }

  OptimizerState state = OptimizerState::zeros_for(adapter, opt.optimizer);
  TrainSummary summary;
  nlohmann::json report_steps = nlohmann::json::array();
  for (int64_t step = 0; step < opt.steps; ++step) {
    Stopwatch sw;
    std::vector<std::vector<int32_t>> examples;
    for (const int64_t i : batch_indices(n, opt.batch, opt.seed, step)) examples.push_back(data.value()[static_cast<size_t>(i)]);
    const Batch batch = make_batch(examples, opt.seq, cfg);
    StepResult r = forward_backward(weights.value(), adapter, batch);
    if (r.count == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "a batch has no token to predict");
    if (step == 0 && opt.dump_grads) {
      if (Status s = write_json(*opt.dump_grads, {{"grads_step1", mean_gradients_json(r.grads, r.count)}}); !s.ok()) {
        return s.error();
      }
    }
    optimizer_step(opt.optimizer, adapter, state, r.grads, r.count);
    const double seconds = sw.seconds();
    summary.losses.push_back(r.loss());
    report_steps.push_back({{"step", step + 1}, {"loss", r.loss()}, {"tokens", r.count}, {"witness_s", seconds}});
    if (!opt.quiet) {
      std::cerr << "step " << step + 1 << "/" << opt.steps << "  loss " << r.loss() << "  " << seconds << " s\n";
    }
  }

  const FloatAdapter out = adapter_to_float(adapter, kFixed.lora);
  if (Status s = write_peft_adapter(opt.out_dir, out, cfg, opt.model_dir.string(), opt.overwrite); !s.ok()) {
    return s.error();
  }
  if (Status s = write_json(opt.out_dir / "report.json", {{"steps", report_steps}}); !s.ok()) return s.error();
  return summary;
}

}  // namespace zklora
