// `zklora bench depth [--layers 2,8] [--width 1024] [--vocab 8000] [--seq 64]`: the prover's peak memory against
// the model's depth. For each number of layers, a checkpoint of that depth (init_model, the same width and
// vocabulary, bf16) and a data set of random token ids are written to a temporary directory, and one proven step
// (`zklora train --steps 1 --batch 1 --skip-weight-check`, AdamW on q,v, zero knowledge) runs in a child process of
// its own, so that each depth's peak resident memory is its own process's (report.json's peak_rss_mb). The prover
// streams the layers' weights from the checkpoint and holds one sub-proof's witness at a time, so the peak should
// not grow with depth: peak_over_shallowest compares each depth with the first.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/base/files.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/io/run_report.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/init_model.h"

extern char** environ;

namespace zklora {
namespace {

namespace fs = std::filesystem;

// Runs this program with `args`; its exit code.
int run_self(const std::vector<std::string>& args) {
  std::vector<std::string> all{"/proc/self/exe"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) {
    throw ZkError(ErrorCode::IO, "bench depth: cannot start a child process");
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) throw ZkError(ErrorCode::IO, "bench depth: lost the child process");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

ModelConfig depth_config(int64_t layers) {
  ModelConfig c;
  c.vocab_size = bench_depth_vocab();
  c.d_model = bench_depth_width();
  c.n_layers = layers;
  c.n_heads = c.d_model / 64;
  c.n_kv_heads = c.n_heads;
  c.d_ffn = c.d_model * 11 / 4;
  c.max_seq = 2048;
  return c;
}

}  // namespace

std::string& bench_depth_layers() {
  static std::string layers = "2,8";
  return layers;
}
int64_t& bench_depth_width() {
  static int64_t width = 1024;
  return width;
}
int64_t& bench_depth_vocab() {
  static int64_t vocab = 8000;
  return vocab;
}
int64_t& bench_depth_seq() {
  static int64_t seq = 64;
  return seq;
}

nlohmann::json bench_depth() {
  std::vector<int64_t> depths;
  for (std::string rest = bench_depth_layers(); !rest.empty();) {
    const size_t comma = rest.find(',');
    try {
      depths.push_back(std::stoll(rest.substr(0, comma)));
    } catch (const std::exception&) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench depth: --layers takes numbers of layers, comma separated");
    }
    if (depths.back() < 1) throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench depth: a depth below 1");
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  if (depths.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench depth: --layers is empty");
  char tmpl[] = "/tmp/zklora-bench-depth-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw ZkError(ErrorCode::IO, "bench depth: cannot make a temporary directory");
  const fs::path dir = tmpl;
  const int64_t seq = bench_depth_seq();
  {
    // Four examples of seq + 1 random ids: every position of a row is a target but the last.
    std::ofstream data(dir / "data.jsonl");
    SplitMix64 rng(11);
    for (int e = 0; e < 4; ++e) {
      data << "[1";
      for (int64_t t = 0; t < seq; ++t) data << ", " << 4 + rng.below(static_cast<uint64_t>(bench_depth_vocab() - 4));
      data << "]\n";
    }
  }
  nlohmann::json rows = nlohmann::json::array();
  double first_peak = 0;
  for (const int64_t layers : depths) {
    const ModelConfig cfg = depth_config(layers);
    const fs::path model = dir / ("model-" + std::to_string(layers));
    if (Status s = write_model_config(cfg, dir / "config.json", "bfloat16"); !s) throw ZkError(s.error());
    InitModelOptions io;
    io.initializer_range = 0.02;
    init_model((dir / "config.json").string(), 1, model, io).value();
    const fs::path run = dir / ("run-" + std::to_string(layers));
    Stopwatch sw;
    const int code = run_self({"--quiet", "train", "--model", model.string(), "--data", (dir / "data.jsonl").string(),
                               "--steps", "1", "--batch", "1", "--seq", std::to_string(seq), "--skip-weight-check",
                               "--out", run.string()});
    const double seconds = sw.seconds();
    if (code != 0) throw ZkError(ErrorCode::IO, "bench depth: the proven step of " + std::to_string(layers) +
                                                    " layers exited with " + std::to_string(code));
    const std::vector<uint8_t> text = read_file(run / "report.json").value();
    const StepReport r = parse_report_json(std::string(text.begin(), text.end()), "report.json").value().at(0);
    if (first_peak == 0) first_peak = r.peak_rss_mb;
    rows.push_back({{"layers", layers},
                    {"parameters", llama_parameter_count(cfg)},
                    {"peak_rss_mb", r.peak_rss_mb},
                    {"peak_over_shallowest", r.peak_rss_mb / first_peak},
                    {"engine_s", r.witness_s},
                    {"header_s", r.commit_s},
                    {"subproofs_s", r.prove_s},
                    {"largest_subproof", r.largest_subproof},
                    {"proof_bytes", r.proof_bytes},
                    {"train_process_s", seconds}});
    std::error_code ec;
    fs::remove_all(model, ec);
    fs::remove_all(run, ec);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return {{"width", bench_depth_width()}, {"vocab", bench_depth_vocab()}, {"seq", seq}, {"results", rows}};
}

}  // namespace zklora
