// The base-weight commitment of a model directory (model_commitment.h).
#include "zklora/io/model_commitment.h"

#include <memory>

#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/model/checkpoint.h"
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
  // Streamed layers are read once by the commitment and once more by the weight check.
  auto weights = ModelWeights::from_checkpoint(shared, ModelWeights::should_stream(shared->config()));
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

}  // namespace zklora
