// `zklora commit --model DIR [--out FILE] [--skip-weight-check]`: the commitment to a model's quantized base
// weights (step/weight_commitment.h) with the proof that it commits to 32-bit integers with zero padding
// (step/weight_check.h), written once beside the model and reused by every proof: the public file
// (DIR/zklora-commitment.bin), everything a verifier reads, and the prover's file with the blinding factors
// (DIR/zklora-commitment.prover.bin). --skip-weight-check leaves the proof out (large models: it reads every
// weight once more); verifiers must then trust whoever made the commitment, explicitly. An existing file made for the same checkpoint contents, configuration and fixed-point format is kept;
// any difference (the model changed) makes a new one.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/llama.h"
#include "zklora/step/weight_check.h"
#include "zklora/step/weight_commitment.h"

namespace zklora::cli {
namespace {

struct CommitArgs {
  std::string model;
  std::string out;
  bool skip_check = false;
};

int run_commit(const CommitArgs& args, const GlobalOptions& global) {
  auto checkpoint = Checkpoint::open(args.model);
  if (!checkpoint) throw ZkError(checkpoint.error());
  const std::string hash = checkpoint->content_hash().value();
  const std::string config = model_config_json(checkpoint->config());
  const std::filesystem::path out =
      args.out.empty() ? std::filesystem::path(args.model) / kWeightCommitmentFile : std::filesystem::path(args.out);
  const std::filesystem::path prover = weight_blinds_path(out);
  std::error_code ec;
  const bool have_public = std::filesystem::exists(out, ec), have_prover = std::filesystem::exists(prover, ec);
  if (have_public && !is_weight_commitment_file(out)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT,
                  out.string() + " exists and is not a zklora weight commitment; it is left as it is");
  }
  if (have_prover && !is_weight_blinds_file(prover)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT,
                  prover.string() + " exists and is not a zklora prover commitment file; it is left as it is");
  }
  if (have_public && have_prover) {
    auto old = read_weight_commitment(out, global.threads);
    if (old && old->content_hash == hash && old->config_json == config && old->format_version == kFixedFormatVersion &&
        (args.skip_check || !old->weight_check.empty()) && read_weight_prover_commitments(out, global.threads)) {
      if (!global.quiet) std::cerr << out.string() << ": up to date\n";
      std::cout << out.string() << "\n";
      return 0;
    }
  }
  Stopwatch sw;
  const auto shared = std::make_shared<const Checkpoint>(std::move(checkpoint.value()));
  // Streamed layers are read once by the commitment and once more by the weight check.
  auto weights = ModelWeights::from_checkpoint(shared, ModelWeights::should_stream(shared->config()));
  if (!weights) throw ZkError(weights.error());
  const ProverCommitments tensors = commit_model_weights(weights.value(), global.threads);
  WeightCommitmentFile file;
  file.format_version = kFixedFormatVersion;
  file.content_hash = hash;
  file.config_json = config;
  file.tensors = public_commitments(tensors);
  const double commit_s = sw.seconds();
  if (!args.skip_check) file.weight_check = prove_weight_check(weights.value(), tensors, global.threads);
  if (Status s = write_weight_commitment(out, file, tensors); !s) throw ZkError(s.error());
  if (!global.quiet) {
    std::cerr << "committed " << file.tensors.size() << " tensors in " << commit_s << " s";
    if (!args.skip_check) {
      std::cerr << ", proved them well formed in " << sw.seconds() - commit_s << " s (" << file.weight_check.size()
                << " bytes)";
    } else {
      std::cerr << "; no weight check: verifiers must trust this commitment explicitly";
    }
    std::cerr << "\n" << prover.string() << ": the prover's blinding factors (keep them with the prover)\n";
  }
  std::cout << out.string() << "\n";
  return 0;
}

}  // namespace

void add_commit_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  auto args = std::make_shared<CommitArgs>();
  CLI::App* cmd = app.add_subcommand("commit", "Commit to a model's quantized base weights (once per model)");
  cmd->add_option("--model", args->model, "Model directory (config.json + *.safetensors)")->required();
  cmd->add_option("--out", args->out,
                  "Public commitment file (default: MODEL/zklora-commitment.bin; the prover's file goes beside it)");
  cmd->add_flag("--skip-weight-check", args->skip_check,
                "Leave out the proof that the weights are committed as 32-bit integers (large models)");
  commands.push_back({cmd, [args, &global] { return run_commit(*args, global); }});
}

}  // namespace zklora::cli
