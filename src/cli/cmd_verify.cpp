// `zklora verify RUN [--weights FILE] [--trust-weights]`: checks a proven run from its public files
// (io/run_verifier.h) and prints a table (step, proven loss, verify time, proof size) and the verdict. Exit codes:
// 0 accepted, 1 rejected (the reason on one line, naming the step), 2 bad usage or unreadable input.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "zklora/io/run_verifier.h"

namespace zklora::cli {
namespace {

constexpr int kExitAccepted = 0, kExitRejected = 1;

struct VerifyArgs {
  std::string run;
  std::string weights;
  bool trust_weights = false;
  bool allow_clear = false;
};

void print_row(const StepVerdict& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%6lld  %10.4f  %8lld  %9.2f  %9.1f\n", static_cast<long long>(s.step), s.loss,
                static_cast<long long>(s.tokens), s.verify_s, static_cast<double>(s.proof_bytes) / 1024.0);
  std::cout << buf << std::flush;
}

int run_verify(const VerifyArgs& a, const GlobalOptions& global) {
  VerifyRunOptions o;
  o.threads = global.threads;
  if (!a.weights.empty()) o.weights = a.weights;
  o.trust_weights = a.trust_weights;
  o.allow_clear = a.allow_clear;
  std::cout << "  step   loss (proven)  tokens  verify s  proof KB\n" << std::flush;
  const RunVerdict v = verify_run(a.run, o, print_row).value();
  if (!v.accepted) {
    std::cout << "REJECTED: " << v.reason << "\n";
    return kExitRejected;
  }
  double total = 0;
  for (const StepVerdict& s : v.steps) total += s.verify_s;
  std::cout << "ACCEPTED: " << v.steps.size() << " steps, every one proven, verified in " << total << " s\n";
  std::cout << "  base weights: " << (v.weights_checked ? "committed and checked" : "TRUSTED without a weight check")
            << "\n";
  std::cout << "  final adapter commitment: " << to_hex(v.final_adapter) << "\n";
  switch (v.adapter) {
    case RunVerdict::Adapter::NOT_CARRIED:
      std::cout << "  the run carries no opening of its adapter: only the commitment above is verified\n";
      break;
    case RunVerdict::Adapter::OPENED:
      std::cout << "  adapter_opening.bin opens that commitment (no PEFT adapter files in the run)\n";
      break;
    case RunVerdict::Adapter::OPENED_WITH_PEFT:
      std::cout << "  the adapter in " << a.run << " is that committed adapter, bit for bit\n";
      break;
  }
  return kExitAccepted;
}

}  // namespace

void add_verify_command(CLI::App& app, std::vector<Command>& commands, const GlobalOptions& global) {
  auto a = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify a proven fine-tuning run (its public files only)");
  cmd->add_option("RUN", a->run, "Run directory written by zklora train")->required();
  cmd->add_option("--weights", a->weights,
                  "The model's weight commitment as you obtained it: the run must be proven against this file");
  cmd->add_flag("--trust-weights", a->trust_weights,
                "Accept a weight commitment made without its weight check (--skip-weight-check)");
  cmd->add_flag("--allow-clear", a->allow_clear,
                "Accept a run proven without zero knowledge (zklora train --no-zk, for debugging)");
  commands.push_back({cmd, [a, &global] { return run_verify(*a, global); }});
}

}  // namespace zklora::cli
