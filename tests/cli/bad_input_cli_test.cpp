// Bad input from the command line: malformed checkpoints (a NaN weight, a header length past the file, a truncated
// file), adapters and data files each end with exit code 2 and one line on stderr naming the problem; never a
// crash and never a proof. (The readers' own cases: tests/model/; proof and run files: tests/io/, run_cli_test.)
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/random_model.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "zklora/model/checkpoint.h"

namespace zklora {
namespace {

namespace fs = std::filesystem;
using test::run_zklora_captured;

class BadInputCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    ASSERT_TRUE(write_model_config(testing::small_config(), *dir_ / "config.json").ok());
    ASSERT_EQ(test::run_zklora({"--quiet", "init-model", "--shape", path("config.json"), "--seed", "2", "--out",
                                path("model")}),
              0);
    std::ofstream(*dir_ / "data.jsonl") << "[1, 5, 6, 7]\n[1, 8, 9, 10, 11]\n[1, 12, 13]\n";
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }

  static std::vector<uint8_t> read(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void write(const fs::path& f, const std::vector<uint8_t>& b) {
    std::ofstream out(f, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  // A copy of the model with its weights file changed by `change`.
  static std::string broken_model(const std::string& name, const std::function<void(std::vector<uint8_t>&)>& change) {
    const fs::path to = path(name);
    fs::remove_all(to);
    fs::create_directories(to);
    fs::copy_file(path("model/config.json"), to / "config.json");
    std::vector<uint8_t> b = read(path("model/model.safetensors"));
    change(b);
    write(to / "model.safetensors", b);
    return to.string();
  }

  static inline test::TempDir* dir_ = nullptr;
};

// Exit code 2 and exactly one line on stderr, containing `says`.
void refused(const std::vector<std::string>& args, const std::string& says) {
  const test::CliRun c = run_zklora_captured(args);
  EXPECT_EQ(c.code, 2) << args[1] << ": " << c.err;
  EXPECT_NE(c.err.find(says), std::string::npos) << c.err;
  EXPECT_EQ(c.err.find('\n'), c.err.size() - 1) << "one line: " << c.err;
  EXPECT_TRUE(c.err.starts_with("zklora: ")) << c.err;
}

TEST_F(BadInputCli, MalformedCheckpointsAreRefused) {
  // A NaN in the first weight of the data section.
  const std::string nan = broken_model("nan", [](std::vector<uint8_t>& b) {
    uint64_t header = 0;
    std::memcpy(&header, b.data(), 8);
    const uint32_t quiet_nan = 0x7fc00000;
    std::memcpy(b.data() + 8 + header, &quiet_nan, 4);
  });
  refused({"--quiet", "commit", "--model", nan}, "does not fit the weight format");
  // A header length past the end of the file.
  const std::string huge = broken_model("huge", [](std::vector<uint8_t>& b) {
    const uint64_t len = uint64_t{1} << 40;
    std::memcpy(b.data(), &len, 8);
  });
  refused({"--quiet", "commit", "--model", huge}, "model.safetensors");
  // Truncated in its data.
  const std::string cut = broken_model("cut", [](std::vector<uint8_t>& b) { b.resize(b.size() - 100); });
  refused({"--quiet", "commit", "--model", cut}, "model.safetensors");
  // Training refuses them the same way.
  refused({"--quiet", "train", "--model", nan, "--data", path("data.jsonl"), "--out", path("run-nan"), "--steps", "1",
           "--batch", "2", "--seq", "6"},
          "does not fit the weight format");
}

TEST_F(BadInputCli, MalformedDataAndAdaptersAreRefused) {
  std::ofstream(*dir_ / "bad.jsonl") << "[1, 5, 6]\n{\"not\": \"a list\"}\n";
  refused({"--quiet", "commit", "--data", path("bad.jsonl"), "--model", path("model"), "--seq", "6"}, "bad.jsonl");
  std::ofstream(*dir_ / "outside.jsonl") << "[1, 5, 6]\n[1, 64]\n";
  refused({"--quiet", "commit", "--data", path("outside.jsonl"), "--model", path("model"), "--seq", "6"}, "64");
  const std::vector<std::string> train = {"--quiet", "train", "--model", path("model"), "--data", path("bad.jsonl"),
                                          "--out", path("run-bad"), "--steps", "1", "--batch", "1", "--seq", "6"};
  refused(train, "bad.jsonl");
  // An adapter directory whose config is not JSON.
  fs::create_directories(path("bad-adapter"));
  std::ofstream(*dir_ / "bad-adapter" / "adapter_config.json") << "{ not json";
  std::vector<std::string> with_adapter = train;
  with_adapter[5] = path("data.jsonl");
  with_adapter.insert(with_adapter.end(), {"--init-adapter", path("bad-adapter")});
  refused(with_adapter, "adapter_config.json");
  // A data commitment that is not one.
  std::ofstream(*dir_ / "not-a-commitment.bin") << "garbage";
  std::vector<std::string> with_commitment = train;
  with_commitment[5] = path("data.jsonl");
  with_commitment.insert(with_commitment.end(), {"--data-commitment", path("not-a-commitment.bin")});
  refused(with_commitment, "not a zklora data commitment");
  EXPECT_FALSE(fs::exists(path("run-bad") + "/step-000001.proof"));
}

}  // namespace
}  // namespace zklora
