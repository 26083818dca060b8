// The `zklora` command line (DESIGN.md section 6): parses, dispatches to the selected command (cmd_*.cpp), and
// maps failures to exit codes.
#include "zklora/cli/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "commands.h"
#include "zklora/base/error.h"
#include "zklora/base/threads.h"

namespace zklora {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

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
  cli::GlobalOptions global;
  app.add_option("--threads", global.threads, "Worker threads (default: ZKLORA_THREADS or all cores)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--quiet", global.quiet, "No progress output on stderr");

  std::vector<cli::Command> commands;
  cli::add_bench_commands(app, commands);
  cli::add_commit_command(app, commands, global);
  cli::add_init_model_command(app, commands, global);
  cli::add_train_command(app, commands, global);
  cli::add_verify_command(app, commands, global);
  cli::add_demo_command(app, commands, global);
  cli::add_inspect_command(app, commands, global);

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
    if (global.threads > 0) set_default_threads(global.threads);
    for (const cli::Command& c : commands) {
      if (c.app->parsed()) return c.run();
    }
    std::cerr << "zklora: no command selected\n";
    return kExitUsage;
  } catch (const ZkError& e) {
    std::cerr << "zklora: " << e.what() << "\n";
    return exit_code_for(e.code());
  } catch (const std::exception& e) {
    std::cerr << "zklora: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace zklora
