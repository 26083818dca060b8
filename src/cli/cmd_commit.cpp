// `zklora commit --model DIR [--out FILE] [--skip-weight-check]`: the commitment to a model's quantized base
// weights (step/weight_commitment.h; its files, io/commitment_files.h) with the proof that it commits to 32-bit
// integers with zero padding (step/weight_check.h), written once beside the model and reused by every proof: the
// public file (DIR/zklora-commitment.bin), everything a verifier reads, and the prover's file with the blinding
// factors (DIR/zklora-commitment.prover.bin). --skip-weight-check leaves the proof out (large models: it reads
// every weight once more); verifiers must then trust whoever made the commitment, explicitly. An existing file made
// for the same checkpoint contents, configuration and fixed-point format is kept; any difference makes a new one.
//
// `zklora commit --data FILE --model DIR [--seq S] [--out FILE]`: the commitment to a data set
// (step/data_commitment.h; its files, io/commitment_files.h), tokenized exactly as `zklora train` reads it, for
// sequences of S tokens; public file FILE with the extension .commitment.bin by default, the prover's file beside
// it. Kept when up to date.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "zklora/base/files.h"
#include "zklora/io/commitment_files.h"
#include "zklora/io/model_commitment.h"

namespace zklora::cli {
namespace {

struct CommitArgs {
  std::string model;
  std::string out;
  bool skip_check = false;
  std::string data;
  int64_t seq = 64;
};

// `--data FILE`: the data set tokenized as training reads it, committed once for sequences of `seq` tokens.
int run_commit_data(const CommitArgs& args, const GlobalOptions& global) {
  const DataSetCommitment c = ensure_data_commitment(args.data, args.model, args.seq, args.out, global.threads).value();
  if (!global.quiet) {
    if (!c.made) {
      std::cerr << c.file.string() << ": up to date\n";
    } else {
      std::cerr << "committed " << c.examples << " examples of " << args.seq << " tokens in " << c.commit_s << " s\n"
                << prover_file_path(c.file).string() << ": the prover's blinding factors (keep them with the prover)\n";
    }
  }
  std::cout << c.file.string() << "\n";
  return 0;
}

int run_commit(const CommitArgs& args, const GlobalOptions& global) {
  if (!args.data.empty()) return run_commit_data(args, global);
  const auto log = [&](const std::string& line) {
    if (!global.quiet) std::cerr << line << "\n";
  };
  const ModelCommitment c =
      ensure_model_commitment(args.model, args.out, args.skip_check, global.threads, log).value();
  if (!global.quiet) {
    if (!c.made) {
      std::cerr << c.file.string() << ": up to date\n";
    } else {
      std::cerr << "committed " << c.public_file.tensors.size() << " tensors in " << c.commit_s << " s";
      if (!args.skip_check) {
        std::cerr << ", proved them well formed in " << c.check_s << " s (" << c.public_file.weight_check.size()
                  << " bytes)";
      } else {
        std::cerr << "; no weight check: verifiers must trust this commitment explicitly";
      }
      std::cerr << "\n" << weight_blinds_path(c.file).string()
                << ": the prover's blinding factors (keep them with the prover)\n";
    }
  }
  std::cout << c.file.string() << "\n";
  return 0;
}

}  // namespace

void add_commit_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  auto args = std::make_shared<CommitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "commit", "Commit to a model's quantized base weights (once per model), or with --data to a data set");
  cmd->add_option("--model", args->model, "Model directory (config.json + *.safetensors)")->required();
  cmd->add_option("--out", args->out,
                  "Public commitment file (default: MODEL/zklora-commitment.bin; the prover's file goes beside it)");
  cmd->add_flag("--skip-weight-check", args->skip_check,
                "Leave out the proof that the weights are committed as 32-bit integers (large models)");
  cmd->add_option("--data", args->data,
                  "Commit this data set instead (text, tokenized with MODEL/tokenizer.model, or .jsonl token ids); "
                  "default output DATA with the extension .commitment.bin");
  cmd->add_option("--seq", args->seq, "With --data: tokens per sequence, as training will use")->capture_default_str();
  commands.push_back({cmd, [args, &global] { return run_commit(*args, global); }});
}

}  // namespace zklora::cli
