// Test support: runs the `zklora` command line in-process with its output captured.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zklora/cli/cli.h"

namespace zklora::test {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

// Runs `zklora ARGS...`: the exit code, what it wrote to stdout and to stderr.
inline CliRun run_zklora_captured(std::vector<std::string> args) {
  args.insert(args.begin(), "zklora");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = run_cli(static_cast<int>(argv.size()), argv.data());
  std::string out = ::testing::internal::GetCapturedStdout();
  return {code, std::move(out), ::testing::internal::GetCapturedStderr()};
}

// Runs `zklora ARGS...`; returns the exit code and, if err is given, what it wrote to stderr.
inline int run_zklora(std::vector<std::string> args, std::string* err = nullptr) {
  CliRun r = run_zklora_captured(std::move(args));
  if (err) *err = std::move(r.err);
  return r.code;
}

}  // namespace zklora::test
