// The weight and data-set commitments made once and reused (model_commitment.h).
#include "zklora/io/model_commitment.h"

#include <memory>

#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/dataset.h"
#include "zklora/model/llama.h"
#include "zklora/step/weight_check.h"

namespace zklora {

Result<ModelCommitment> ensure_model_commitment(const std::filesystem::path& model_dir, std::filesystem::path file,
                                                bool skip_check, int threads,
                                                const std::function<void(const std::string&)>& log) {
  auto checkpoint = Checkpoint::open(model_dir);
  if (!checkpoint) return checkpoint.error();
  auto hash = checkpoint->content_hash();
  if (!hash) return hash.error();
  const std::string config = model_config_json(checkpoint->config());
  if (file.empty()) file = model_dir / kWeightCommitmentFile;
  const std::filesystem::path prover = weight_blinds_path(file);
  std::error_code ec;
  const bool have_public = std::filesystem::exists(file, ec), have_prover = std::filesystem::exists(prover, ec);
  if (have_public && !is_weight_commitment_file(file)) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      file.string() + " exists and is not a zklora weight commitment; it is left as it is");
  }
  if (have_prover && !is_weight_blinds_file(prover)) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      prover.string() + " exists and is not a zklora prover commitment file; it is left as it is");
  }
  ModelCommitment out;
  out.file = file;
  if (have_public && have_prover) {
    auto old = read_weight_commitment(file, threads);
    if (old && old->content_hash == hash.value() && old->config_json == config &&
        old->format_version == kFixedFormatVersion && (skip_check || !old->weight_check.empty())) {
      auto blinds = read_weight_prover_commitments(file, threads);
      if (blinds) {
        out.public_file = std::move(old.value());
        out.prover = std::move(blinds.value());
        return out;
      }
    }
  }
  if (log) log("committing the model's weights (" + file.string() + ")");
  Stopwatch sw;
  const auto shared = std::make_shared<const Checkpoint>(std::move(checkpoint.value()));
  // Layers streamed from the mapping, one at a time (read once by the commitment and once more by the weight
  // check): committing holds no more of the model than proving does.
  auto weights = ModelWeights::from_checkpoint(shared, true);
  if (!weights) return weights.error();
  out.prover = commit_model_weights(weights.value(), threads);
  out.public_file.format_version = kFixedFormatVersion;
  out.public_file.content_hash = hash.value();
  out.public_file.config_json = config;
  out.public_file.tensors = public_commitments(out.prover);
  out.commit_s = sw.seconds();
  if (!skip_check) {
    if (log) log("proving the committed weights well formed");
    out.public_file.weight_check = prove_weight_check(weights.value(), out.prover, threads);
  }
  out.check_s = sw.seconds() - out.commit_s;
  if (Status s = write_weight_commitment(file, out.public_file, out.prover); !s) return s.error();
  out.made = true;
  return out;
}

Result<DataSetCommitment> ensure_data_commitment(const std::filesystem::path& data_file,
                                                 const std::filesystem::path& model_dir, int64_t seq,
                                                 std::filesystem::path file, int threads) {
  auto config = read_model_config(model_dir / "config.json");
  if (!config) return config.error();
  if (seq < 2 || seq > config->max_seq) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "--seq must lie in [2, " + std::to_string(config->max_seq) + "]");
  }
  auto examples = load_dataset(data_file, model_dir / "tokenizer.model", config.value());
  if (!examples) return examples.error();
  if (file.empty()) file = std::filesystem::path(data_file).replace_extension(".commitment.bin");
  const std::filesystem::path prover = prover_file_path(file);
  std::error_code ec;
  for (const auto& [f, ours] : {std::pair{file, is_data_commitment_file(file)},
                                std::pair{prover, is_data_blinds_file(prover)}}) {
    if (std::filesystem::exists(f, ec) && !ours) {
      return make_error(ErrorCode::INVALID_ARGUMENT,
                        f.string() + " exists and is not a zklora data commitment; it is left as it is");
    }
  }
  DataSetCommitment out;
  out.file = file;
  out.examples = static_cast<int64_t>(examples->size());
  if (auto old = read_data_prover_commitment(file, threads);
      old && old->content == data_content_hash(examples.value(), seq) && old->commitment.vocab == config->vocab_size &&
      old->commitment.format_version == kFixedFormatVersion) {
    return out;
  }
  Stopwatch sw;
  const DataProverCommitment c = commit_data(examples.value(), seq, config.value(), threads);
  if (Status s = write_data_commitment(file, c); !s) return s.error();
  out.made = true;
  out.commit_s = sw.seconds();
  return out;
}

}  // namespace zklora
