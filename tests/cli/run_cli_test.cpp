// Proven fine-tuning from the command line: `zklora commit --data`, `zklora train` (proving by default) into a
// run directory, `zklora verify RUN` with its table and exit codes (0 accepted, 1 rejected with the step named,
// 2 unreadable input), `zklora inspect`, `zklora train --resume`, and `zklora demo`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/random_model.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "zklora/model/checkpoint.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;
using test::run_zklora;
using test::run_zklora_captured;

class RunCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_TRUE(write_model_config(testing::small_config(), *dir_ / "config.json").ok());
    ASSERT_EQ(run_zklora({"--quiet", "init-model", "--shape", path("config.json"), "--seed", "2",
                          "--initializer-range", "0.2", "--out", path("model")}),
              0);
    std::ofstream data(*dir_ / "data.jsonl");
    for (int i = 0; i < 5; ++i) {
      data << "[1";
      for (int j = 0; j < 4 + i; ++j) data << ", " << 5 + (i * 7 + j * 3) % 50;
      data << "]\n";
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static inline test::TempDir* dir_ = nullptr;
};

TEST_F(RunCli, CommitTrainVerifyResume) {
  // The data set's commitment, once; a second call finds it up to date.
  test::CliRun c = run_zklora_captured({"commit", "--data", path("data.jsonl"), "--model", path("model"), "--seq", "6"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(c.out, path("data.commitment.bin") + "\n");
  EXPECT_TRUE(fs::exists(path("data.commitment.prover.bin")));
  c = run_zklora_captured({"commit", "--data", path("data.jsonl"), "--model", path("model"), "--seq", "6"});
  EXPECT_NE(c.err.find("up to date"), std::string::npos) << c.err;

  const std::vector<std::string> train = {"train", "--model", path("model"), "--data", path("data.jsonl"),
                                          "--data-commitment", path("data.commitment.bin"), "--steps", "2",
                                          "--batch", "2", "--seq", "6", "--optimizer", "sgd", "--lr", "0.05",
                                          "--out", path("run")};
  c = run_zklora_captured(train);
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.err.find("step 2/2"), std::string::npos) << c.err;  // progress, plain lines off a terminal
  EXPECT_NE(c.err.find("zklora verify"), std::string::npos) << c.err;
  for (const char* f : {"statement.json", "step-000001.proof", "step-000002.proof", "adapter_model.safetensors",
                        "adapter_opening.bin", "report.json", "report.svg"}) {
    EXPECT_TRUE(fs::exists(path("run") + "/" + f)) << f;
  }

  c = run_zklora_captured({"verify", path("run")});
  EXPECT_EQ(c.code, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("ACCEPTED: 2 steps"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("bit for bit"), std::string::npos) << c.out;

  // What the run and its files hold.
  std::string err;
  c = run_zklora_captured({"inspect", path("run"), "--json", "--parts"});
  ASSERT_EQ(c.code, 0) << c.err;
  const nlohmann::json run = nlohmann::json::parse(c.out);
  EXPECT_EQ(run["steps_present"], 2);
  EXPECT_EQ(run["verdict"], "accepted");
  EXPECT_GT(run["steps"][1]["parts_bytes"]["range_argument"].get<int64_t>(), 0);
  EXPECT_EQ(run["statement"]["unproven"].size(), 0u);
  c = run_zklora_captured({"inspect", path("run/step-000002.proof")});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("kind: step proof"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("step: 2"), std::string::npos) << c.out;
  for (const char* f : {"data.commitment.bin", "model/zklora-commitment.bin", "run/statement.json",
                        "run/initial.commitments.bin", "run/adapter_opening.bin"}) {
    EXPECT_EQ(run_zklora({"inspect", path(f), "--json"}), 0) << f;
  }
  EXPECT_EQ(run_zklora({"inspect", path("data.jsonl")}, &err), 2);
  EXPECT_NE(err.find("not a zklora"), std::string::npos) << err;

  // The same run again is refused without --overwrite; a complete run resumes to nothing new.
  EXPECT_EQ(run_zklora(train, &err), 2);
  EXPECT_NE(err.find("--overwrite"), std::string::npos) << err;
  EXPECT_EQ(run_zklora({"--quiet", "train", "--resume", path("run")}), 0);

  // A step missing: rejected (1), naming the step.
  fs::rename(path("run/step-000002.proof"), path("step2"));
  c = run_zklora_captured({"verify", path("run")});
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.out.find("REJECTED: step 2: step-000002.proof is missing"), std::string::npos) << c.out;
  // --resume continues from the prover's state after the last proof, which a later proof replaced: it says so.
  EXPECT_EQ(run_zklora({"--quiet", "train", "--resume", path("run")}, &err), 2);
  EXPECT_NE(err.find("state after step 1"), std::string::npos) << err;
  fs::rename(path("step2"), path("run/step-000002.proof"));
  EXPECT_EQ(run_zklora({"--quiet", "verify", path("run")}), 0);

  // Unreadable input: 2.
  c = run_zklora_captured({"verify", path("no-run")});
  EXPECT_EQ(c.code, 2);
  EXPECT_NE(c.err.find("statement.json"), std::string::npos) << c.err;
  EXPECT_EQ(run_zklora({"verify"}, &err), 2);
}

// A damaged step file, in any of the ways a file that travelled can be damaged, is rejected (exit 1) with a one-line
// reason naming the step; never a crash. (Every truncation and flip of the file formats themselves:
// tests/io/run_files_test.cpp; fuzzed: fuzz/.)
TEST_F(RunCli, DamagedStepFilesAreRejectedWithOneLine) {
  const std::vector<std::string> train = {"--quiet", "train", "--model", path("model"), "--data", path("data.jsonl"),
                                          "--steps", "1", "--batch", "2", "--seq", "6", "--out", path("damaged")};
  ASSERT_EQ(run_zklora(train), 0);
  const fs::path step = path("damaged/step-000001.proof");
  std::vector<uint8_t> good;
  {
    std::ifstream in(step, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto write = [&](const std::vector<uint8_t>& b) {
    std::ofstream out(step, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  const auto rejected = [&](const std::vector<uint8_t>& b, const std::string& what, const std::string& says = "") {
    write(b);
    const test::CliRun c = run_zklora_captured({"verify", path("damaged")});
    EXPECT_EQ(c.code, 1) << what << ": " << c.out << c.err;
    EXPECT_NE(c.out.find(says), std::string::npos) << what << ": " << c.out;
    const size_t at = c.out.find("REJECTED: step 1: ");
    EXPECT_NE(at, std::string::npos) << what << ": " << c.out;
    if (at != std::string::npos) {
      EXPECT_EQ(c.out.find('\n', at), c.out.size() - 1) << what << ": one line";
    }
  };
  // Truncated at lengths spread over the file, and one byte flipped at places spread over it.
  for (size_t k = 0; k < 6; ++k) {
    const size_t n = good.size() * k / 6 + k;
    rejected(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)), "truncated");
    std::vector<uint8_t> b = good;
    b[good.size() * (2 * k + 1) / 12] ^= 0x24;
    rejected(b, "flipped at " + std::to_string(good.size() * (2 * k + 1) / 12));
  }
  std::vector<uint8_t> b = good;
  b[0] = 'Y';
  rejected(b, "wrong magic", "not a zklora step proof (bad magic)");
  b = good;
  const size_t batch_at = 8 + 4 + 8 + 1 + 32 + 8;  // magic, version, head length, channel mode, run digest, step
  for (size_t k = 0; k < 8; ++k) b[batch_at + k] = 0xee;  // a huge declared batch
  rejected(b, "huge length", "while reading batch indices");
  b = good;
  for (size_t k = 0; k < 32; ++k) b[b.size() - 1 - k] = 0xff;  // the proof's last scalar, above r
  rejected(b, "non-canonical scalar", "NON_CANONICAL_FIELD");
  b = good;
  const size_t outputs_at = batch_at + 8 + 2 * 8 + 8 + 8 + 32;
  const size_t name_len = b[outputs_at + 4];
  const size_t point = outputs_at + 4 + 4 + name_len + 2;  // the first output commitment's first row
  // x = 1 (compressed, sign 0): 1 + 4 is not a square mod p, so no point of the curve has it.
  b[point] = 0x80;
  for (size_t k = 1; k < 47; ++k) b[point + k] = 0;
  b[point + 47] = 1;
  rejected(b, "point off the curve", "POINT_NOT_ON_CURVE");
  // A statement that does not match the proof: another loss sum.
  b = good;
  b[batch_at + 8 + 2 * 8] ^= 1;
  rejected(b, "another loss", "TRANSCRIPT_MISMATCH");
  write(good);
  EXPECT_EQ(run_zklora({"--quiet", "verify", path("damaged")}), 0);
}

TEST_F(RunCli, DemoProvesAndVerifies) {
  const test::CliRun c = run_zklora_captured(
      {"demo", "--out", path("demo"), "--steps", "1", "--batch", "1", "--seq", "8"});
  ASSERT_EQ(c.code, 0) << c.err << c.out;
  EXPECT_NE(c.out.find("verified: every step proven"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("report.svg"), std::string::npos) << c.out;
}

}  // namespace
}  // namespace zklora
