// Test support: runs the `zklora` command line in-process with its output captured.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zklora/cli/cli.h"

namespace zklora::test {

// Runs `zklora ARGS...`; returns the exit code and, if err is given, what it wrote to stderr.
inline int run_zklora(std::vector<std::string> args, std::string* err = nullptr) {
  args.insert(args.begin(), "zklora");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int code = run_cli(static_cast<int>(argv.size()), argv.data());
  (void)::testing::internal::GetCapturedStdout();
  const std::string e = ::testing::internal::GetCapturedStderr();
  if (err) *err = e;
  return code;
}

}  // namespace zklora::test
