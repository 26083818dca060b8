// `zklora train` end to end on the tiny model: outputs in PEFT's layout and report.json, never overwriting a
// user's files, and exit code 2 with a message for every kind of bad input.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "zklora/cli/cli.h"

namespace zklora {
namespace {

using test::run_zklora;

class TrainCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_EQ(run_zklora({"--quiet", "init-model", "--shape", "tiny", "--seed", "1", "--out", (*dir_ / "model").string()}), 0);
    std::ofstream data(*dir_ / "data.jsonl");
    for (int i = 0; i < 4; ++i) {
      data << "[1";
      for (int j = 0; j < 20; ++j) data << ", " << 10 + (i * 3 + j * 7) % 200;
      data << "]\n";
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  std::vector<std::string> train_args(const std::string& out) {
    return {"--quiet", "train", "--model", path("model"), "--data", path("data.jsonl"), "--steps", "2", "--batch", "2",
            "--seq", "16", "--lr", "0.01", "--optimizer", "adamw", "--out", out, "--no-prove"};
  }
  static inline test::TempDir* dir_ = nullptr;
};

TEST_F(TrainCli, WritesAdapterAndReport) {
  ASSERT_EQ(run_zklora(train_args(path("run1"))), 0);
  const nlohmann::json report = nlohmann::json::parse(std::ifstream(path("run1/report.json")));
  ASSERT_EQ(report["steps"].size(), 2u);
  EXPECT_EQ(report["steps"][0]["step"], 1);
  EXPECT_GT(report["steps"][0]["loss"].get<double>(), 1.0);
  EXPECT_GT(report["steps"][0]["witness_s"].get<double>(), 0.0);
  const nlohmann::json cfg = nlohmann::json::parse(std::ifstream(path("run1/adapter_config.json")));
  EXPECT_EQ(cfg["r"], 8);
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_TRUE(std::filesystem::exists(path("run1/adapter_model.safetensors")));
  // The output is a valid starting adapter for another run.
  auto args = train_args(path("run2"));
  args.insert(args.end(), {"--init-adapter", path("run1")});
  EXPECT_EQ(run_zklora(args), 0);
}

TEST_F(TrainCli, NeverOverwritesWithoutBeingAsked) {
  ASSERT_EQ(run_zklora(train_args(path("run3"))), 0);
  const auto before = std::filesystem::last_write_time(path("run3/adapter_model.safetensors"));
  std::string err;
  EXPECT_EQ(run_zklora(train_args(path("run3")), &err), 2);
  EXPECT_NE(err.find("--overwrite"), std::string::npos) << err;
  EXPECT_EQ(std::filesystem::last_write_time(path("run3/adapter_model.safetensors")), before);
  auto args = train_args(path("run3"));
  args.push_back("--overwrite");
  EXPECT_EQ(run_zklora(args), 0);
}

TEST_F(TrainCli, BadInputExitsWithTwoAndSaysWhy) {
  struct Case {
    std::vector<std::string> change;  // option, value pairs replacing the defaults (or appended)
    const char* expect;               // a word the message must contain
  };
  const std::vector<Case> cases = {
      {{"--targets", "q,x"}, "x"},
      {{"--optimizer", "adam"}, "adam"},
      {{"--batch", "9"}, "--batch"},
      {{"--seq", "1000"}, "--seq"},
      {{"--lr", "-1"}, "--lr"},
      {{"--model", "/nonexistent/model"}, "nonexistent"},
      {{"--data", "/nonexistent/data.jsonl"}, "nonexistent"},
      {{"--lora-rank", "0"}, "rank"},
  };
  for (const Case& c : cases) {
    auto args = train_args(path("bad"));
    for (size_t i = 0; i + 1 < c.change.size(); i += 2) {
      auto it = std::find(args.begin(), args.end(), c.change[i]);
      if (it != args.end()) {
        *(it + 1) = c.change[i + 1];
      } else {
        args.insert(args.end(), {c.change[i], c.change[i + 1]});
      }
    }
    std::string err;
    EXPECT_EQ(run_zklora(args, &err), 2) << c.change[0] << " " << c.change[1];
    EXPECT_NE(err.find(c.expect), std::string::npos) << c.change[0] << ": " << err;
  }
  // Gradients are dumped by unproven training only.
  auto args = train_args(path("bad"));
  args.pop_back();  // without --no-prove
  args.insert(args.end(), {"--dump-grads", path("grads.json")});
  std::string err;
  EXPECT_EQ(run_zklora(args, &err), 2);
  EXPECT_NE(err.find("--dump-grads needs --no-prove"), std::string::npos) << err;
}

}  // namespace
}  // namespace zklora
