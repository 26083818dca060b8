// The command line: exit codes for good and bad usage, and the JSON shape of the core benchmarks.
#include "zklora/cli/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/run_cli.h"

namespace zklora {
namespace {

using test::run_zklora;
using test::run_zklora_captured;

TEST(Cli, BadUsageExitsWithTwo) {
  EXPECT_EQ(run_zklora({}), 2);
  const test::CliRun r = run_zklora_captured({"no-such-command"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no-such-command"), std::string::npos) << "the error names the problem: " << r.err;
  EXPECT_EQ(run_zklora({"bench"}), 2);
  EXPECT_EQ(run_zklora({"bench", "nothing"}), 2);
  EXPECT_EQ(run_zklora({"bench", "msm", "--max-log2n", "12"}), 2);
  EXPECT_EQ(run_zklora({"--threads", "0", "bench", "field"}), 2);
}

TEST(Cli, HelpAndVersionExitWithZero) {
  const test::CliRun help = run_zklora_captured({"--help"});
  const test::CliRun version = run_zklora_captured({"--version"});
  EXPECT_EQ(help.code, 0);
  EXPECT_EQ(version.code, 0);
  EXPECT_NE((help.out + version.out).find("bench"), std::string::npos);
  EXPECT_NE((help.out + version.out).find("zklora 0.1.0"), std::string::npos);
}

TEST(Cli, BenchFieldPrintsOneJsonObject) {
  const test::CliRun r = run_zklora_captured({"bench", "field", "--json"});
  ASSERT_EQ(r.code, 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"fr_mul_ns", "fr_inv_ns", "fr_batch_inv_ns_per_elem"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
}

}  // namespace
}  // namespace zklora
