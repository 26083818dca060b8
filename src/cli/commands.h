// Private to the cli layer: each subcommand lives in its own cmd_<name>.cpp and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace zklora::cli {

// What runs when a command was selected on the command line; returns the exit code. May throw ZkError.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

// Global options every command can read.
struct GlobalOptions {
  int threads = 0;
  bool quiet = false;
};

void add_bench_commands(CLI::App& app, std::vector<Command>& commands);
void add_commit_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);
void add_init_model_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);
void add_train_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);
void add_verify_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);
void add_inspect_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);
void add_demo_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global);

}  // namespace zklora::cli
