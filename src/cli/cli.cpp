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

// After parsing: the innermost selected command must have chosen one of its subcommands (if it has any) and
// nothing may be left over. Returns the message for the first violation, or "".
std::string unknown_command(const CLI::App& app) {
  const CLI::App* cmd = &app;
  std::string path = "zklora";
  while (true) {
    const auto chosen = cmd->get_subcommands();
    if (chosen.empty()) break;
    cmd = chosen.front();
    path += " " + cmd->get_name();
  }
  std::string names;
  for (const CLI::App* sub : cmd->get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
  const auto extra = cmd->remaining();
  if (!extra.empty()) {
    if (!names.empty()) return "'" + path + "' has no command '" + extra.front() + "' (commands: " + names + ")";
    return "'" + path + "' does not take the argument '" + extra.front() + "'";
  }
  if (!names.empty()) return "'" + path + "' needs a command (one of: " + names + ")";
  return "";
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"zklora: zero-knowledge proofs of LoRA fine-tuning of LLaMA models"};
  // Commands are checked after parsing (unknown_command), so that a mistyped one is named in the error.
  app.allow_extras();
  app.set_version_flag("--version", "zklora 0.1.0");
  int threads = 0;
  app.add_option("--threads", threads, "Worker threads (default: ZKLORA_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));

  CLI::App* bench = app.add_subcommand("bench", "Measure the speed of a part of the system");
  bench->allow_extras();
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

  if (const std::string bad = unknown_command(app); !bad.empty()) {
    std::cerr << "zklora: " << bad << "\nRun with --help for more information.\n";
    return kExitUsage;
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
