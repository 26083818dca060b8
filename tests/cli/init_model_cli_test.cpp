// `zklora init-model`: a checkpoint on success (exit 0), exit 2 with a message for bad options, an unknown shape
// or an output directory that is not empty.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "zklora/cli/cli.h"
#include "zklora/model/checkpoint.h"

namespace zklora {
namespace {

using test::CliRun;

CliRun run(std::vector<std::string> args) { return test::run_zklora_captured(std::move(args)); }

TEST(CliInitModel, WritesTheTinyModel) {
  test::TempDir dir;
  const std::string out = (dir / "tiny").string();
  const CliRun r = run({"init-model", "--shape", "tiny", "--seed", "11", "--out", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1115264 parameters"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  const Result<Checkpoint> c = Checkpoint::open(out);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->config().n_layers, 4);
  EXPECT_TRUE(std::filesystem::exists(dir / "tiny" / "tokenizer.model"));

  const CliRun again = run({"init-model", "--shape", "tiny", "--seed", "11", "--out", out});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("not empty"), std::string::npos) << again.err;
}

TEST(CliInitModel, BadUsageExitsWithTwo) {
  test::TempDir dir;
  const std::string out = (dir / "m").string();
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"init-model", "--out", out}, "--shape"},
      {{"init-model", "--shape", "tiny"}, "--out"},
      {{"init-model", "--shape", "llama-9", "--out", out}, "unknown shape 'llama-9'"},
      {{"init-model", "--shape", "tiny", "--seed", "-3", "--out", out}, "--seed"},
      {{"init-model", "--shape", "tiny", "--seed", "18446744073709551616", "--out", out}, "--seed"},
      {{"init-model", "--shape", "tiny", "--dtype", "f8", "--out", out}, "--dtype"},
      {{"init-model", "--shape", "tiny", "--max-shard-size", "0", "--out", out}, "--max-shard-size"},
      {{"init-model", "--shape", (dir / "absent.json").string(), "--out", out}, "absent.json"},
  };
  for (const auto& [args, word] : cases) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << word;
    EXPECT_NE(r.err.find(word), std::string::npos) << "'" << word << "' not in: " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliInitModel, ConfigFileShapeWithShards) {
  test::TempDir dir;
  test::write_file(dir / "c.json", R"({"vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
      "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 32,
      "torch_dtype": "bfloat16"})");
  const CliRun r = run({"init-model", "--shape", (dir / "c.json").string(), "--out", (dir / "m").string(),
                     "--max-shard-size", "30kB", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("BF16"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "m" / "model.safetensors.index.json"));
  const Result<Checkpoint> c = Checkpoint::open(dir / "m");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_GT(c->files().size(), 1u);
}

}  // namespace
}  // namespace zklora
