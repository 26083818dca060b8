// `zklora train`: fine-tunes a LoRA adapter and proves every step (io/run_prover.h) into a run directory;
// `--no-prove` trains alone (model/trainer.h), `--resume RUN` continues an interrupted proven run.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "progress.h"
#include "zklora/io/run_prover.h"
#include "zklora/model/trainer.h"

namespace zklora::cli {
namespace {

struct TrainArgs {
  TrainOptions opt;
  std::string targets = "q,v";
  std::string optimizer = "adamw";
  bool no_prove = false;
  std::string init_adapter, dump_grads, data_commitment, weights_commitment, resume;
  bool skip_weight_check = false;
  bool no_zk = false;
  int jobs = 1;
};

void print_summary(const RunResult& r, const std::filesystem::path& dir, bool quiet) {
  if (quiet) return;
  if (!r.complete) {
    std::cerr << "stopped after step " << (r.steps.empty() ? 0 : r.steps.back().step)
              << "; continue with: zklora train --resume " << dir.string() << "\n";
    return;
  }
  if (!r.steps.empty()) {
    std::cerr << "proved " << r.steps.size() << " steps, loss " << r.steps.front().loss << " -> "
              << r.steps.back().loss << "\n";
  }
  std::cerr << "run: " << dir.string() << " (adapter, step proofs, report.svg); check it with: zklora verify "
            << dir.string() << "\n";
}

int run_train(TrainArgs& a, const GlobalOptions& global) {
  if (!a.resume.empty()) {
    RunProgress progress(global.quiet);
    std::optional<std::filesystem::path> model, data;
    if (!a.opt.model_dir.empty()) model = a.opt.model_dir;
    if (!a.opt.data_file.empty()) data = a.opt.data_file;
    const RunResult r = resume_run(a.resume, global.threads, a.jobs, &progress, model, data).value();
    print_summary(r, a.resume, global.quiet);
    return 0;
  }
  for (const auto& [name, value] : {std::pair{"--model", &a.opt.model_dir}, std::pair{"--data", &a.opt.data_file},
                                    std::pair{"--out", &a.opt.out_dir}}) {
    if (value->empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(name) + " is required");
  }
  a.opt.optimizer.kind = parse_optimizer(a.optimizer).value();
  a.opt.lora.targets = parse_projection_list(a.targets).value();
  std::sort(a.opt.lora.targets.begin(), a.opt.lora.targets.end());
  a.opt.lora.targets.erase(std::unique(a.opt.lora.targets.begin(), a.opt.lora.targets.end()), a.opt.lora.targets.end());
  if (!a.init_adapter.empty()) a.opt.init_adapter = a.init_adapter;
  if (a.no_prove) {
    if (!a.dump_grads.empty()) a.opt.dump_grads = a.dump_grads;
    a.opt.quiet = global.quiet;
    const TrainSummary summary = train(a.opt).value();
    if (!global.quiet && !summary.losses.empty()) {
      std::cerr << "loss " << summary.losses.front() << " -> " << summary.losses.back() << "\n";
    }
    return 0;
  }
  if (!a.dump_grads.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "--dump-grads needs --no-prove");
  RunOptions o;
  o.train = a.opt;
  if (!a.data_commitment.empty()) o.data_commitment = a.data_commitment;
  if (!a.weights_commitment.empty()) o.weights_commitment = a.weights_commitment;
  o.skip_weight_check = a.skip_weight_check;
  o.zero_knowledge = !a.no_zk;
  o.threads = global.threads;
  o.jobs = a.jobs;
  RunProgress progress(global.quiet);
  const RunResult r = prove_run(o, &progress).value();
  print_summary(r, o.train.out_dir, global.quiet);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  CLI::App* cmd = app.add_subcommand("train", "Fine-tune a LoRA adapter on a data set, proving every step");
  auto a = std::make_shared<TrainArgs>();
  TrainOptions& opt = a->opt;
  cmd->add_option("--model", opt.model_dir, "Hugging Face LLaMA checkpoint directory");
  cmd->add_option("--data", opt.data_file, "Training data: text (one example per line) or .jsonl of token ids");
  cmd->add_option("--out", opt.out_dir, "Run directory (statement, step proofs, adapter, report)");
  cmd->add_option("--steps", opt.steps, "Training steps")->capture_default_str();
  cmd->add_option("--batch", opt.batch, "Sequences per step")->capture_default_str();
  cmd->add_option("--seq", opt.seq, "Tokens per sequence (longer ones are truncated, shorter padded)")->capture_default_str();
  cmd->add_option("--lr", opt.optimizer.lr, "Learning rate")->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "sgd or adamw")->capture_default_str();
  cmd->add_option("--momentum", opt.optimizer.momentum, "SGD momentum")->capture_default_str();
  cmd->add_option("--weight-decay", opt.optimizer.weight_decay, "AdamW decoupled weight decay")->capture_default_str();
  cmd->add_option("--clip-norm", opt.optimizer.clip_norm, "Clip the global gradient norm (0: off)")->capture_default_str();
  cmd->add_option("--lora-rank", opt.lora.rank, "LoRA rank r")->capture_default_str();
  cmd->add_option("--lora-alpha", opt.lora.alpha, "LoRA alpha (scale alpha / r)")->capture_default_str();
  cmd->add_option("--targets", a->targets, "Adapted projections: any of q,k,v,o,gate,up,down")->capture_default_str();
  cmd->add_option("--init-adapter", a->init_adapter, "Start from this PEFT adapter directory");
  cmd->add_option("--seed", opt.seed, "Seed of the adapter initialization and the batch order")->capture_default_str();
  cmd->add_option("--data-commitment", a->data_commitment,
                  "The data set's commitment made by `zklora commit --data` (default: the run commits the data)");
  cmd->add_option("--weights-commitment", a->weights_commitment,
                  "The model's weight commitment (default: MODEL/zklora-commitment.bin, made when missing)");
  cmd->add_flag("--skip-weight-check", a->skip_weight_check,
                "When the model is committed now: leave out the weight check (verifiers must trust it)");
  cmd->add_option("--resume", a->resume, "Continue this interrupted run from its last complete proof");
  cmd->add_option("--jobs", a->jobs,
                  "Sub-proofs proven at once, sharing the threads (fewer when memory cannot hold them)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--no-prove", a->no_prove, "Only train (no proofs)");
  cmd->add_flag("--no-zk", a->no_zk,
                "Prove in the clear channel, without zero knowledge (debugging: the proofs reveal weights and data)");
  cmd->add_option("--dump-grads", a->dump_grads, "With --no-prove: write the step-1 gradients of the mean loss to this JSON file");
  cmd->add_flag("--overwrite", opt.overwrite, "Replace the files of an existing run in --out");
  commands.push_back({cmd, [a, &global] { return run_train(*a, global); }});
}

}  // namespace zklora::cli
