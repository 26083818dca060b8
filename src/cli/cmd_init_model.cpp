// `zklora init-model --shape tiny|llama-2-7b|llama-2-13b|CONFIG.json --seed S --out DIR`: writes a deterministic
// random-weight LLaMA checkpoint in Hugging Face's layout (model/init_model.h). Big shapes take minutes; a
// progress bar on stderr shows them unless stderr is not a terminal or --quiet is given.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "zklora/base/error.h"
#include "zklora/base/timer.h"
#include "zklora/model/init_model.h"
#include "zklora/model/safetensors.h"

namespace zklora::cli {
namespace {

struct InitModelArgs {
  std::string shape;
  uint64_t seed = 0;
  std::string out;
  std::string dtype;
  uint64_t max_shard_bytes = InitModelOptions{}.max_shard_bytes;
  double initializer_range = 0.0;  // 0: the shape's default
  bool quiet = false;
};

std::string size_text(uint64_t bytes) {
  char buf[32];
  if (bytes >= 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  }
  return buf;
}

std::string duration(double s) {
  char buf[32];
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  } else {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  }
  return buf;
}

// Redraws one line on stderr at most five times a second: phase, bar, bytes, elapsed and remaining time.
class ProgressBar {
 public:
  void update(const InitModelProgress& p) {
    const double now = clock_.seconds();
    const bool last = p.total > 0 && p.done == p.total;
    if (!last && now - drawn_ < 0.2) return;
    drawn_ = now;
    constexpr int kWidth = 30;
    const double frac = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 0.0;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(kWidth - filled, '-');
    std::string line = p.phase;
    if (p.total) {
      line += " [" + bar + "] " + std::to_string(static_cast<int>(frac * 100)) + "%  " + size_text(p.done) + " / " +
              size_text(p.total);
    }
    line += "  elapsed " + duration(now);
    if (frac > 0.01 && !last) line += "  left " + duration(now * (1 - frac) / frac);
    std::cerr << "\r" << line << "\033[K" << std::flush;
    shown_ = true;
  }
  ~ProgressBar() {
    if (shown_) std::cerr << "\n";
  }

 private:
  Stopwatch clock_;
  double drawn_ = -1.0;
  bool shown_ = false;
};

// Set by SIGINT and SIGTERM while a checkpoint is being written, so that init_model stops at the next chunk and
// removes its temporary directory instead of leaving gigabytes behind.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// Installs on_interrupt for SIGINT and SIGTERM for its lifetime.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

int run_init_model(const InitModelArgs& args, bool quiet) {
  InitModelOptions options;
  g_interrupted.store(false);
  options.cancel = &g_interrupted;
  options.max_shard_bytes = args.max_shard_bytes;
  if (args.initializer_range > 0.0) options.initializer_range = args.initializer_range;
  if (args.dtype == "f32") options.dtype = SafetensorsDtype::F32;
  if (args.dtype == "f16") options.dtype = SafetensorsDtype::F16;
  if (args.dtype == "bf16") options.dtype = SafetensorsDtype::BF16;
  std::unique_ptr<ProgressBar> bar;
  if (!quiet && ::isatty(STDERR_FILENO)) {
    bar = std::make_unique<ProgressBar>();
    options.progress = [&bar](const InitModelProgress& p) { bar->update(p); };
  }
  Result<InitModelReport> report = [&] {
    const InterruptGuard guard;
    return init_model(args.shape, args.seed, args.out, options);
  }();
  bar.reset();
  if (!report) {
    std::cerr << "zklora: " << report.error().to_string() << "\n";
    return exit_code_for(report.code());
  }
  const ModelConfig& m = report->config;
  std::cout << "wrote " << args.out << ": LLaMA " << m.n_layers << " layers, d_model " << m.d_model << ", " << m.n_heads
            << " heads (" << m.n_kv_heads << " KV), d_ffn " << m.d_ffn << ", vocab " << m.vocab_size << "; "
            << report->parameters << " parameters as " << safetensors_dtype_name(report->dtype) << " in "
            << report->files.size() << " files, weights std " << report->initializer_range << ", "
            << size_text(report->bytes) << ", seed " << args.seed << ", " << duration(report->seconds) << "\n";
  if (!report->tokenizer) std::cout << "no tokenizer.model: " << report->tokenizer_note << "\n";
  return 0;
}

}  // namespace

void add_init_model_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  CLI::App* cmd = app.add_subcommand("init-model", "Write a deterministic random-weight LLaMA checkpoint");
  auto args = std::make_shared<InitModelArgs>();
  cmd->add_option("--shape", args->shape, "tiny, llama-2-7b, llama-2-13b, or the path of a config.json")->required();
  cmd->add_option("--seed", args->seed, "Seed of the weights, 0 to 2^64 - 1")
      ->check(CLI::Validator(
          [](const std::string& v) -> std::string {
            uint64_t x = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
            if (ec != std::errc() || end != v.data() + v.size() || v.empty()) {
              return "must be an integer from 0 to 18446744073709551615, got '" + v + "'";
            }
            return "";
          },
          "UINT64"))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Output directory (must not exist or be empty)")->required();
  cmd->add_option("--dtype", args->dtype,
                  "Storage dtype (default: bf16 for the llama-2 shapes, a config file's torch_dtype, else f32)")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  cmd->add_option("--max-shard-size", args->max_shard_bytes,
                  "Tensor bytes per file before a new shard starts, e.g. 5GB or 512MiB")
      ->transform(CLI::AsSizeValue(true))
      ->check(CLI::Range(uint64_t{1}, ~uint64_t{0}))
      ->capture_default_str();
  cmd->add_option("--initializer-range", args->initializer_range,
                  "Standard deviation of the weights (default: a config file's initializer_range, else 0.02)")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_flag("--quiet", args->quiet, "No progress bar");
  commands.push_back({cmd, [args, &global] { return run_init_model(*args, args->quiet || global.quiet); }});
}

}  // namespace zklora::cli
