// Golden files (tests/golden/): one file per format and version, written once by this test and committed. Each
// must still be read by today's reader, re-encode to the same bytes (one encoding per object), and hold what it
// was written with. A format change that breaks them is a new version: regenerate them (the failure says how) and
// say so in docs/proof_format.md. They are also the seed corpus of the fuzz targets (fuzz/).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "io/format_samples.h"
#include "support/temp_dir.h"
#include "zklora/base/files.h"
#include "zklora/fixed/format.h"
#include "zklora/io/commitment_files.h"
#include "zklora/model/adapter_io.h"
#include "zklora/model/dataset.h"
#include "zklora/model/init_model.h"

namespace zklora {
namespace {

using namespace testing::samples;  // NOLINT

const std::filesystem::path kGoldenDir =
    std::filesystem::path(__FILE__).parent_path().parent_path() / "golden";
constexpr const char* kRegenerate =
    "if the format changed on purpose (a new version), regenerate with: ZKLORA_UPDATE_GOLDEN=1 "
    "build/tests/zklora_io_tests --gtest_filter='Golden.*'";

bool update_golden() {
  const char* v = std::getenv("ZKLORA_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

std::vector<uint8_t> golden(const std::string& name, const std::vector<uint8_t>& fresh) {
  const std::filesystem::path file = kGoldenDir / name;
  if (update_golden()) {
    EXPECT_TRUE(write_file_atomically(file, fresh).ok());
  }
  auto bytes = read_file(file);
  EXPECT_TRUE(bytes.ok()) << file.string() << " is missing; " << kRegenerate;
  return bytes.ok() ? bytes.value() : std::vector<uint8_t>{};
}

std::vector<uint8_t> text_bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(Golden, StepFile) {
  const std::vector<uint8_t> b = golden("step.proof", some_step_file().to_bytes());
  auto f = StepFile::from_bytes(b, "step.proof");
  ASSERT_TRUE(f.ok()) << f.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(f->to_bytes(), b) << kRegenerate;
  EXPECT_EQ(f->head.step, 3);
  EXPECT_EQ(f->head.indices, (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(f->head.loss_sum, 123456);
  EXPECT_EQ(f->head.outputs.size(), 2u);
  EXPECT_EQ(f->head.cuts.size(), 2u);
  EXPECT_EQ(f->parts.size(), 3u);
}

TEST(Golden, RunStatement) {
  const std::vector<uint8_t> b = golden("statement.json", text_bytes(some_statement().to_json()));
  auto s = RunStatement::from_json(std::string(b.begin(), b.end()), "statement.json");
  ASSERT_TRUE(s.ok()) << s.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(text_bytes(s->to_json()), b) << kRegenerate;
  EXPECT_EQ(s->digest(), some_statement().digest()) << kRegenerate;
}

TEST(Golden, CommitmentSetAndOpening) {
  const std::vector<uint8_t> set = golden("commitments.bin", encode_commitment_set(some_commitments()));
  auto c = decode_commitment_set(set, "commitments.bin");
  ASSERT_TRUE(c.ok()) << c.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(encode_commitment_set(c.value()), set) << kRegenerate;
  const std::vector<uint8_t> op = golden("opening.bin", encode_opening(some_opening()));
  auto o = decode_opening(op, "opening.bin");
  ASSERT_TRUE(o.ok()) << o.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(encode_opening(o.value()), op) << kRegenerate;
  EXPECT_EQ(o->tensors.begin()->second.data, some_opening().tensors.begin()->second.data);
}

TEST(Golden, DataCommitment) {
  const ModelConfig cfg = testing::small_config();
  const DataProverCommitment fresh = commit_data(testing::random_sequences(3, 6, cfg.vocab_size, 4), 6, cfg);
  const std::vector<uint8_t> b = golden("data.commitment.bin", encode_data_commitment(fresh.commitment));
  auto d = parse_data_commitment(b, "data.commitment.bin");
  ASSERT_TRUE(d.ok()) << d.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(encode_data_commitment(d.value()), b) << kRegenerate;
  EXPECT_EQ(d->examples(), 3);
  EXPECT_EQ(d->seq, 6);
}

TEST(Golden, WeightCommitment) {
  const std::filesystem::path file = kGoldenDir / "weights.commitment.bin";
  if (update_golden()) {
    ProverCommitments c;
    const std::vector<int64_t> w{3, -1, 4, 1, -5, 9};
    c.emplace("final_norm", hyrax_commit_tensor(std::vector<uint64_t>{6}, std::span<const int64_t>(w)));
    WeightCommitmentFile f;
    f.format_version = kFixedFormatVersion;
    f.content_hash = "0123abcd";
    f.config_json = model_config_json(testing::small_config());
    f.tensors = public_commitments(c);
    ASSERT_TRUE(write_weight_commitment(file, f, c).ok());
  }
  auto w = read_weight_commitment(file);
  ASSERT_TRUE(w.ok()) << w.error().to_string() << "; " << kRegenerate;
  EXPECT_EQ(w->content_hash, "0123abcd");
  EXPECT_EQ(w->tensors.count("final_norm"), 1u);
  auto p = read_weight_prover_commitments(file);
  ASSERT_TRUE(p.ok()) << p.error().to_string() << "; " << kRegenerate;
  // Both files written again from what was read: the same bytes.
  const test::TempDir tmp;
  ASSERT_TRUE(write_weight_commitment(tmp / "weights.commitment.bin", w.value(), p.value()).ok());
  EXPECT_EQ(read_file(tmp / "weights.commitment.bin").value(), read_file(file).value()) << kRegenerate;
  EXPECT_EQ(read_file(tmp / "weights.commitment.prover.bin").value(), read_file(prover_file_path(file)).value())
      << kRegenerate;
}

// The files of other formats the project reads and writes, for the micro model: a checkpoint as `zklora
// init-model` writes it (config.json, model.safetensors), a PEFT adapter as `zklora train` writes it, and a JSONL
// data set. The writers are deterministic, so each file is written again and compared byte for byte; each is read
// back by the reader a user's file goes through. They seed the fuzz targets of these readers.
TEST(Golden, CheckpointAdapterAndDataFiles) {
  const test::TempDir tmp;
  const ModelConfig cfg = testing::micro_config();
  ASSERT_TRUE(write_model_config(cfg, tmp / "micro.json").ok());
  ASSERT_TRUE(init_model((tmp / "micro.json").string(), 1, tmp / "model").ok());
  const FloatAdapter adapter =
      adapter_to_float(testing::random_adapter(cfg, 2, {Projection::Q, Projection::V}), kFixed.lora);
  ASSERT_TRUE(write_peft_adapter(tmp / "adapter", adapter, cfg, "micro-model").ok());
  std::string jsonl;
  for (const auto& seq : testing::random_sequences(3, 8, cfg.vocab_size, 3)) {
    std::string line;
    for (const int32_t t : seq) line += (line.empty() ? "[" : ", ") + std::to_string(t);
    jsonl += line + "]\n";
  }
  for (const char* f : {"model/config.json", "model/model.safetensors", "adapter/adapter_config.json",
                        "adapter/adapter_model.safetensors"}) {
    std::filesystem::create_directories((kGoldenDir / f).parent_path());
    golden(f, read_file(tmp / f).value());
  }
  const std::vector<uint8_t> data = golden("data.jsonl", text_bytes(jsonl));
  EXPECT_EQ(std::string(data.begin(), data.end()), jsonl) << kRegenerate;

  auto checkpoint = Checkpoint::open(kGoldenDir / "model");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().to_string();
  EXPECT_EQ(checkpoint->config().d_ffn, cfg.d_ffn);
  auto weights = ModelWeights::from_checkpoint(std::make_shared<const Checkpoint>(std::move(checkpoint.value())), false);
  ASSERT_TRUE(weights.ok()) << weights.error().to_string();
  auto read = read_peft_adapter(kGoldenDir / "adapter", cfg);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  EXPECT_EQ(read->tensors.at(peft_tensor_name(1, Projection::V, 'B')).data,
            adapter.tensors.at(peft_tensor_name(1, Projection::V, 'B')).data);
  auto examples = load_dataset(kGoldenDir / "data.jsonl", {}, cfg);
  ASSERT_TRUE(examples.ok()) << examples.error().to_string();
  EXPECT_EQ(examples.value(), testing::random_sequences(3, 8, cfg.vocab_size, 3));
}

}  // namespace
}  // namespace zklora
