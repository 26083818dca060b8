// The `zklora` command line (DESIGN.md section 6).
#include "zklora/cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"

namespace zklora {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

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

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"zklora: zero-knowledge proofs of LoRA fine-tuning of LLaMA models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zklora 0.1.0");
  int threads = 0;
  app.add_option("--threads", threads, "Worker threads (default: ZKLORA_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));

  CLI::App* bench = app.add_subcommand("bench", "Measure the speed of a part of the system");
  bench->require_subcommand(1);
  bool json = false;
  unsigned max_log2n = 20;
  bench->add_flag("--json", json, "Print one JSON object instead of a table");

  CLI::App* bench_field_cmd = bench->add_subcommand("field", "Fr multiplication, inversion, batch inversion");
  CLI::App* bench_msm_cmd = bench->add_subcommand("msm", "Multi-scalar multiplication, 2^16 and 2^20 points");
  bench_msm_cmd->add_option("--max-log2n", max_log2n, "Skip sizes above 2^N points")->check(CLI::Range(16, 20));
  // `--json` is accepted after the benchmark's name too (`zklora bench msm --json`).
  for (CLI::App* sub : {bench_field_cmd, bench_msm_cmd}) sub->add_flag("--json", json, "Print one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    if (threads > 0) set_default_threads(threads);
    nlohmann::json result;
    if (*bench_field_cmd) result = bench_field();
    if (*bench_msm_cmd) result = bench_msm(max_log2n);
    if (json) {
      std::cout << result.dump() << std::endl;
    } else {
      print_table(result);
    }
    return kExitOk;
  } catch (const ZkError& e) {
    std::cerr << "zklora: " << e.what() << "\n";
    return exit_code_for(e.code());
  } catch (const std::exception& e) {
    std::cerr << "zklora: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace zklora
