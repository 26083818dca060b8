// The command line: exit codes for good and bad usage, and the JSON shape of the core benchmarks.
#include "zklora/cli/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zklora {
namespace {

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "zklora");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return run_cli(static_cast<int>(argv.size()), argv.data());
}

TEST(Cli, BadUsageExitsWithTwo) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"no-such-command"}), 2);
  EXPECT_EQ(run({"bench"}), 2);
  EXPECT_EQ(run({"bench", "nothing"}), 2);
  EXPECT_EQ(run({"bench", "msm", "--max-log2n", "12"}), 2);
  EXPECT_EQ(run({"--threads", "0", "bench", "field"}), 2);
  (void)::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("no-such-command"), std::string::npos) << "the error names the problem: " << err;
}

TEST(Cli, HelpAndVersionExitWithZero) {
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(run({"--version"}), 0);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("bench"), std::string::npos);
  EXPECT_NE(out.find("zklora 0.1.0"), std::string::npos);
}

TEST(Cli, BenchFieldPrintsOneJsonObject) {
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(run({"bench", "field", "--json"}), 0);
  const std::string out = ::testing::internal::GetCapturedStdout();
  const nlohmann::json j = nlohmann::json::parse(out);
  for (const char* key : {"fr_mul_ns", "fr_inv_ns", "fr_batch_inv_ns_per_elem"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
}

}  // namespace
}  // namespace zklora
