// `zklora demo [--out DIR]`: the whole job on the built-in defaults. It creates the tiny LLaMA-shaped model
// (model/init_model.h) and the built-in corpus (model/corpus.h) in DIR, commits both, fine-tunes a few steps with
// a proof of each (io/run_prover.h), verifies the run from its public files (io/run_verifier.h), and prints a
// table of the steps and where the adapter, the proofs and the plot are. Files of an earlier demo in DIR are
// reused (the model, its commitment) or replaced (the run).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "progress.h"
#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/io/model_commitment.h"
#include "zklora/io/run_prover.h"
#include "zklora/io/run_verifier.h"
#include "zklora/model/corpus.h"
#include "zklora/model/init_model.h"

namespace zklora::cli {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "zklora-demo";
  int64_t steps = 4, batch = 4, seq = 16;
  std::string targets = "q,v";
  double lr = 5e-2;
  uint64_t seed = 1;
};

// The tiny model's weights at std 1/sqrt(d_model) (init_model.h: with 0.02 a frozen 128-wide model cannot reach
// logits large enough for an adapter to learn much).
constexpr double kDemoInitializerRange = 0.088;

int run_demo(const DemoArgs& a, const GlobalOptions& global) {
  const fs::path dir = a.out, model = dir / "model", corpus = dir / "corpus.txt", run = dir / "run";
  RunProgress progress(global.quiet);
  const auto log = [&](const std::string& line) { progress.message(line); };
  Stopwatch total;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw ZkError(ErrorCode::IO, "cannot create " + dir.string() + ": " + ec.message());
  if (!fs::exists(model / "config.json", ec)) {
    log("creating the tiny model in " + model.string());
    InitModelOptions io;
    io.initializer_range = kDemoInitializerRange;
    io.threads = global.threads;
    init_model("tiny", a.seed, model, io).value();
  }
  if (!fs::exists(corpus, ec)) {
    if (Status s = write_file_atomically(corpus, builtin_corpus()); !s) throw ZkError(s.error());
  }
  const ModelCommitment weights = ensure_model_commitment(model, {}, false, global.threads, log).value();
  log("model committed: " + weights.file.string());

  const fs::path data_c = dir / "corpus.commitment.bin";
  const DataSetCommitment corpus_c = ensure_data_commitment(corpus, model, a.seq, data_c, global.threads).value();
  if (corpus_c.made) log("committed the corpus (" + std::to_string(corpus_c.examples) + " examples)");
  log("corpus committed: " + data_c.string());

  RunOptions o;
  TrainOptions& t = o.train;
  t.model_dir = model;
  t.data_file = corpus;
  t.out_dir = run;
  t.steps = a.steps;
  t.batch = a.batch;
  t.seq = a.seq;
  t.seed = a.seed;
  t.lora.targets = parse_projection_list(a.targets).value();
  t.optimizer.kind = OptimizerKind::ADAMW;
  t.optimizer.lr = a.lr;
  t.overwrite = true;
  o.data_commitment = data_c;
  o.threads = global.threads;
  log("fine-tuning " + std::to_string(a.steps) + " steps with a proof of each");
  const RunResult proven = prove_run(o, &progress).value();

  log("verifying " + run.string() + " from its public files");
  VerifyRunOptions vo;
  vo.threads = global.threads;
  const RunVerdict v = verify_run(run, vo).value();

  std::cout << "  step      loss   prove s  verify s  proof KB\n";
  for (size_t i = 0; i < proven.steps.size(); ++i) {
    const StepReport& s = proven.steps[i];
    char buf[128];
    std::snprintf(buf, sizeof buf, "%6lld  %8.4f  %8.1f  %8.2f  %8.0f\n", static_cast<long long>(s.step), s.loss,
                  s.prove_s, i < v.steps.size() ? v.steps[i].verify_s : 0.0,
                  static_cast<double>(s.proof_bytes) / 1024.0);
    std::cout << buf;
  }
  if (!v.accepted) {
    std::cout << "REJECTED: " << v.reason << "\n";
    return 1;
  }
  std::cout << "verified: every step proven, from the committed model and corpus to the adapter\n"
            << "  adapter (PEFT): " << run.string() << "/adapter_model.safetensors\n"
            << "  step proofs:    " << run.string() << "/step-*.proof\n"
            << "  plot:           " << run.string() << "/report.svg\n"
            << "  check it again: zklora verify " << run.string() << "\n"
            << "total " << static_cast<long>(total.seconds()) << " s\n";
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Create the tiny model and corpus, fine-tune a few proven steps, verify them, print a table");
  cmd->add_option("--out", a->out, "Directory of the demo's files")->capture_default_str();
  cmd->add_option("--steps", a->steps, "Proven training steps")->capture_default_str();
  cmd->add_option("--batch", a->batch, "Sequences per step")->capture_default_str();
  cmd->add_option("--seq", a->seq, "Tokens per sequence")->capture_default_str();
  cmd->add_option("--targets", a->targets, "Adapted projections")->capture_default_str();
  cmd->add_option("--lr", a->lr, "AdamW learning rate")->capture_default_str();
  commands.push_back({cmd, [a, &global] { return run_demo(*a, global); }});
}

}  // namespace zklora::cli
