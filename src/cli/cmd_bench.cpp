// `zklora bench <what> [--json]`: the benchmarks of every layer, each printing one JSON object with --json.
// A benchmark is one entry of kBenches; its function lives beside the layer it measures (bench_*.cpp here).
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "zklora/cli/cli.h"

namespace zklora::cli {
namespace {

void print_table(const nlohmann::json& j) {
  // A readable form of the benchmark's JSON: one line per scalar, one line per row of an array.
  for (const auto& [key, value] : j.items()) {
    if (value.is_array()) {
      std::cout << key << ":\n";
      for (const auto& row : value) std::cout << "  " << row.dump() << "\n";
    } else if (value.is_object()) {
      std::cout << key << ":\n";
      for (const auto& [k, v] : value.items()) std::cout << "  " << k << " = " << v.dump() << "\n";
    } else {
      std::cout << key << " = " << value.dump() << "\n";
    }
  }
}

struct BenchOptions {
  bool json = false;
  unsigned max_log2n = 20;
};

}  // namespace

void add_bench_commands(CLI::App& app, std::vector<Command>& commands) {
  CLI::App* bench = app.add_subcommand("bench", "Measure the speed of a part of the system");
  bench->allow_extras();
  auto opts = std::make_shared<BenchOptions>();
  bench->add_flag("--json", opts->json, "Print one JSON object instead of a table");

  auto add = [&](const char* name, const char* help, std::function<nlohmann::json()> fn) {
    CLI::App* sub = bench->add_subcommand(name, help);
    sub->add_flag("--json", opts->json, "Print one JSON object instead of a table");
    commands.push_back({sub, [opts, fn] {
                          const nlohmann::json result = fn();
                          if (opts->json) {
                            std::cout << result.dump() << std::endl;
                          } else {
                            print_table(result);
                          }
                          return 0;
                        }});
    return sub;
  };

  add("field", "Fr multiplication, inversion, batch inversion", [] { return bench_field(); });
  add("sumcheck", "Sumcheck of degree 2 and 3 over 2^20 entries; a 128x4096 by 4096x4096 product", [] { return bench_sumcheck(); });
  add("hyrax", "Hyrax commit, open, verify for 2^16, 2^20, 2^22 entries of 255 and 16 bits", [] { return bench_hyrax(); });
  add("train", "One unproven training step: the tiny model, and one llama-2-7b-shaped layer", [] { return bench_train(); });
  add("lookup", "LogUp: 2^20 values in a 2^16 range table, 2^20 pairs in a function table", [] { return bench_lookup(); });
  CLI::App* prove = add("prove", "Step proofs (the whole forward pass, its linear backbone): the tiny model, one llama-2-7b-shaped layer",
                        [] { return bench_prove(); });
  prove->add_option("--what", bench_prove_what(), "What to prove, comma-separated: linear (the default), forward, step");
  prove->add_option("--shapes", bench_prove_shapes(), "Comma-separated: tiny, llama-2-7b-layer (default both)");
  prove->add_option("--zk", bench_prove_zk(), "on (zero knowledge, the default), off (the clear channel) or both");
  CLI::App* depth = add("depth", "Peak memory of one proven step against the model's depth, a process per depth",
                        [] { return bench_depth(); });
  depth->add_option("--layers", bench_depth_layers(), "Depths, comma-separated (default 2,8)");
  depth->add_option("--width", bench_depth_width(), "d_model (heads of 64)")->capture_default_str();
  depth->add_option("--vocab", bench_depth_vocab(), "Vocabulary size")->capture_default_str();
  depth->add_option("--seq", bench_depth_seq(), "Tokens per sequence")->capture_default_str();
  CLI::App* msm = add("msm", "Multi-scalar multiplication, 2^16 and 2^20 points", [opts] {
    return bench_msm(opts->max_log2n);
  });
  msm->add_option("--max-log2n", opts->max_log2n, "Skip sizes above 2^N points")->check(CLI::Range(16, 20));
}

}  // namespace zklora::cli
