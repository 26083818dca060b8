// Random-weight checkpoints: the deterministic generator (pinned values, statistics, independence from chunking
// and threads), the tiny model and its tokenizer, byte-identical output for a seed, streaming into shards, and
// refusal to touch an existing non-empty directory.
#include "zklora/model/init_model.h"

#include <gtest/gtest.h>
#include <sentencepiece_processor.h>

#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/safetensors.h"

namespace zklora {
namespace {

std::vector<float> normals(uint64_t seed, const std::string& name, uint64_t first, size_t n) {
  std::vector<float> v(n);
  normal_fill(seed, name, first, v, kInitializerRange);
  return v;
}

std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A config.json for a small model whose weights are split into several shards by a small max_shard_bytes.
std::filesystem::path write_small_config(const std::filesystem::path& dir, int64_t vocab = 256) {
  const nlohmann::json j = {{"vocab_size", vocab},           {"hidden_size", 64},        {"intermediate_size", 128},
                            {"num_hidden_layers", 2},        {"num_attention_heads", 4}, {"num_key_value_heads", 4},
                            {"max_position_embeddings", 64}, {"rms_norm_eps", 1e-5},     {"pad_token_id", 3}};
  test::write_file(dir / "small.json", j.dump());
  return dir / "small.json";
}

TEST(DeterministicRng, LogMatchesLibm) {
  SplitMix64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    const double x = std::ldexp(static_cast<double>(rng.next() >> 11) + 1.0, -53 - static_cast<int>(rng.below(40)));
    const double want = std::log(x);
    ASSERT_NEAR(det_log(x), want, std::fabs(want) * 1e-15 + 1e-18) << x;
  }
  EXPECT_EQ(det_log(1.0), 0.0);
  EXPECT_NEAR(det_log(0.5), -std::log(2.0), 1e-16);
}

TEST(DeterministicRng, PinnedValues) {
  // These bits are the contract: the same on every machine. A change here changes every generated checkpoint.
  SplitMix64 s(0);
  EXPECT_EQ(s.next(), 0xE220A8397B1DCDAFULL);  // SplitMix64's published first output for seed 0
  EXPECT_EQ(tensor_block_key(0, "", 0),
            SplitMix64::mix(SplitMix64::mix(0xCBF29CE484222325ULL) + 0x9E3779B97F4A7C15ULL));
  const std::vector<float> v = normals(7, "model.embed_tokens.weight", 0, 4);
  const uint32_t expect[4] = {0xBBE32EF4, 0x3CC7A889, 0x3CDA7465, 0x3CA19BF2};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(std::bit_cast<uint32_t>(v[i]), expect[i]) << i;
}

TEST(DeterministicRng, NormalStatistics) {
  const size_t n = 1 << 20;
  const std::vector<float> v = normals(3, "w", 0, n);
  double sum = 0, sq = 0;
  size_t within = 0;
  for (const float x : v) {
    sum += x;
    sq += static_cast<double>(x) * x;
    within += std::fabs(x) < kInitializerRange;
  }
  const double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
  EXPECT_LT(std::fabs(mean), 4 * kInitializerRange / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(sd, kInitializerRange, kInitializerRange * 0.005);
  EXPECT_NEAR(static_cast<double>(within) / n, 0.682689, 0.002);
}

TEST(DeterministicRng, ValuesDoNotDependOnChunking) {
  const std::vector<float> whole = normals(9, "t", 0, 200000);
  std::vector<float> pieces;
  for (const auto& [a, b] :
       {std::pair<size_t, size_t>{0, 70000}, {70000, 131072}, {131072, 131073}, {131073, 200000}}) {
    const std::vector<float> p = normals(9, "t", a, b - a);
    pieces.insert(pieces.end(), p.begin(), p.end());
  }
  EXPECT_EQ(whole, pieces);
  EXPECT_NE(whole, normals(10, "t", 0, 200000));
  EXPECT_NE(whole, normals(9, "u", 0, 200000));
}

TEST(InitModel, TinyShape) {
  const ModelConfig m = tiny_model_config();
  EXPECT_TRUE(m.validate().ok());
  EXPECT_EQ(m.d_model, 128);
  EXPECT_EQ(m.n_layers, 4);
  EXPECT_EQ(m.n_kv_heads, 2);
  EXPECT_EQ(llama_parameter_count(m), 1'115'264);
  EXPECT_EQ(model_shape("llama-2-7b")->d_ffn, 11008);
  EXPECT_EQ(llama_parameter_count(*model_shape("llama-2-7b")), 6'738'415'616);  // LLaMA-2-7B's published count
  EXPECT_EQ(llama_parameter_count(*model_shape("llama-2-13b")), 13'015'864'320);
  const Result<ModelConfig> bad = model_shape("llama-3-8b");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), ErrorCode::INVALID_ARGUMENT);
}

TEST(InitModel, TinyCheckpointOpensWithItsTokenizer) {
  test::TempDir dir;
  const Result<InitModelReport> r = init_model("tiny", 7, dir / "tiny");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->parameters, 1'115'264);
  EXPECT_TRUE(r->tokenizer);
  EXPECT_EQ(listing(dir / "tiny"), (std::vector<std::string>{"config.json", "model.safetensors", "tokenizer.model"}));
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"tiny"});  // no temporary left behind

  const Result<Checkpoint> c = Checkpoint::open(dir / "tiny");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->dtype("lm_head.weight").value(), "F32");
  const double stddev = kInitializerRange;
  EXPECT_EQ(r->initializer_range, stddev);
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir / "tiny" / "config.json"))["initializer_range"], stddev);
  const FloatTensor q = c->tensor("model.layers.2.self_attn.q_proj.weight").value();
  std::vector<float> expect(q.data.size());
  normal_fill(7, "model.layers.2.self_attn.q_proj.weight", 0, expect, stddev);
  EXPECT_EQ(q.data, expect);
  const FloatTensor norm = c->tensor("model.layers.3.post_attention_layernorm.weight").value();
  for (const float x : norm.data) ASSERT_EQ(x, 1.0f);
  const FloatTensor embed = c->tensor("model.embed_tokens.weight").value();
  const int64_t pad = c->config().pad_token_id;
  for (int64_t j = 0; j < 128; ++j) {
    ASSERT_EQ(embed.data[static_cast<size_t>(pad * 128 + j)], 0.0f);
    ASSERT_NE(embed.data[static_cast<size_t>((pad + 1) * 128 + j)], 0.0f);
  }

  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load((dir / "tiny" / "tokenizer.model").string()).ok());
  EXPECT_EQ(sp.GetPieceSize(), 512);
  EXPECT_EQ(sp.unk_id(), 0);
  EXPECT_EQ(sp.bos_id(), c->config().bos_token_id);
  EXPECT_EQ(sp.eos_id(), c->config().eos_token_id);
  EXPECT_EQ(sp.pad_id(), c->config().pad_token_id);
  EXPECT_EQ(sp.IdToPiece(3), "<pad>");
  EXPECT_EQ(sp.DecodeIds(sp.EncodeAsIds("Where is the fox? The fox is under the table.")),
            "Where is the fox? The fox is under the table.");
}

TEST(InitModel, SameSeedSameBytesOtherSeedOtherWeights) {
  test::TempDir dir;
  ASSERT_TRUE(init_model("tiny", 1, dir / "a").ok());
  InitModelOptions one_thread;
  one_thread.threads = 1;
  ASSERT_TRUE(init_model("tiny", 1, dir / "b", one_thread).ok());
  ASSERT_TRUE(init_model("tiny", 2, dir / "c").ok());
  for (const char* f : {"config.json", "tokenizer.model", "model.safetensors"}) {
    EXPECT_TRUE(test::read_file(dir / "a" / f) == test::read_file(dir / "b" / f)) << f;
  }
  EXPECT_TRUE(test::read_file(dir / "a" / "tokenizer.model") == test::read_file(dir / "c" / "tokenizer.model"));
  EXPECT_FALSE(test::read_file(dir / "a" / "model.safetensors") == test::read_file(dir / "c" / "model.safetensors"));
  EXPECT_NE(Checkpoint::open(dir / "a")->content_hash().value(), Checkpoint::open(dir / "c")->content_hash().value());
}

TEST(InitModel, StreamsShardsWithAnIndex) {
  test::TempDir dir;
  const auto config = write_small_config(dir.path());
  InitModelOptions opts;
  opts.dtype = SafetensorsDtype::BF16;
  opts.max_shard_bytes = 40'000;
  uint64_t last_done = 0, total = 0;
  opts.progress = [&](const InitModelProgress& p) {
    if (std::string(p.phase) != "weights") return;
    EXPECT_GE(p.done, last_done);
    last_done = p.done;
    total = p.total;
  };
  const Result<InitModelReport> r = init_model(config.string(), 5, dir / "sharded", opts);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(last_done, total);
  EXPECT_EQ(total, static_cast<uint64_t>(r->parameters) * 2);

  const std::vector<std::string> files = listing(dir / "sharded");
  const nlohmann::json index = nlohmann::json::parse(test::read_file(dir / "sharded" / "model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"], total);
  size_t shards = 0;
  for (const std::string& f : files) shards += f.ends_with(".safetensors");
  ASSERT_GT(shards, 2u);
  EXPECT_NE(std::find(files.begin(), files.end(), "model-00001-of-0000" + std::to_string(shards) + ".safetensors"),
            files.end());
  EXPECT_EQ(index["weight_map"]["lm_head.weight"],
            "model-0000" + std::to_string(shards) + "-of-0000" + std::to_string(shards) + ".safetensors");
  for (const std::string& f : files) {
    if (f.ends_with(".safetensors")) {
      EXPECT_LE(std::filesystem::file_size(dir / "sharded" / f), 40'000u + 40'000u);
    }
  }

  EXPECT_EQ(r->initializer_range, kInitializerRange);  // transformers' default for a config without one
  const FloatTensor up = Checkpoint::open(dir / "sharded")->tensor("model.layers.1.mlp.up_proj.weight").value();
  EXPECT_EQ(up.data[17], bf16_to_f32(f32_to_bf16(normals(5, "model.layers.1.mlp.up_proj.weight", 17, 1)[0])));

  // The same values as an unsharded float32 checkpoint of the same seed, rounded to bfloat16.
  ASSERT_TRUE(init_model(config.string(), 5, dir / "single").ok());
  const Checkpoint a = std::move(Checkpoint::open(dir / "sharded")).value();
  const Checkpoint b = std::move(Checkpoint::open(dir / "single")).value();
  EXPECT_EQ(a.files().size(), shards);
  EXPECT_EQ(b.files().size(), 1u);
  for (const std::string& name : b.names()) {
    const FloatTensor x = a.tensor(name).value(), y = b.tensor(name).value();
    ASSERT_EQ(x.shape, y.shape);
    for (size_t i = 0; i < y.data.size(); ++i) ASSERT_EQ(x.data[i], bf16_to_f32(f32_to_bf16(y.data[i]))) << name;
  }
}

TEST(InitModel, NeverWritesIntoANonEmptyDirectory) {
  test::TempDir dir;
  std::filesystem::create_directory(dir / "full");
  test::write_file(dir / "full" / "notes.txt", "keep me");
  const Result<InitModelReport> r = init_model("tiny", 1, dir / "full");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(exit_code_for(r.code()), 2);
  EXPECT_NE(r.error().message.find("not empty"), std::string::npos);
  EXPECT_EQ(listing(dir / "full"), std::vector<std::string>{"notes.txt"});
  EXPECT_EQ(test::read_file(dir / "full" / "notes.txt"), "keep me");

  test::write_file(dir / "file", "x");
  EXPECT_FALSE(init_model("tiny", 1, dir / "file").ok());
  EXPECT_FALSE(init_model("no-such-shape", 1, dir / "new").ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "new"));

  std::filesystem::create_directory(dir / "empty");
  EXPECT_TRUE(init_model("tiny", 1, dir / "empty").ok());
  EXPECT_EQ(listing(dir.path()), (std::vector<std::string>{"empty", "file", "full"}));
}

TEST(InitModel, InitializerRangeFromConfigOrOption) {
  test::TempDir dir;
  const nlohmann::json j = {{"vocab_size", 256},        {"hidden_size", 64},        {"intermediate_size", 128},
                            {"num_hidden_layers", 1},   {"num_attention_heads", 2}, {"max_position_embeddings", 16},
                            {"initializer_range", 0.05}};
  test::write_file(dir / "c.json", j.dump());
  EXPECT_EQ(shape_initializer_range((dir / "c.json").string()), 0.05);
  EXPECT_EQ(shape_initializer_range("llama-2-13b"), 0.02);
  InitModelOptions opts;
  opts.initializer_range = 0.125;
  const Result<InitModelReport> r = init_model((dir / "c.json").string(), 4, dir / "m", opts);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(read_model_config(dir / "m" / "config.json").ok(), true);
  EXPECT_EQ(nlohmann::json::parse(test::read_file(dir / "m" / "config.json"))["initializer_range"], 0.125);
  const FloatTensor w = Checkpoint::open(dir / "m")->tensor("lm_head.weight").value();
  std::vector<float> expect(w.data.size());
  normal_fill(4, "lm_head.weight", 0, expect, 0.125);
  EXPECT_EQ(w.data, expect);
  opts.initializer_range = -1.0;
  EXPECT_FALSE(init_model((dir / "c.json").string(), 4, dir / "n", opts).ok());
}

TEST(InitModel, CancelLeavesNothing) {
  test::TempDir dir;
  std::atomic<bool> cancel{false};
  InitModelOptions opts;
  opts.cancel = &cancel;
  int calls = 0;
  opts.progress = [&](const InitModelProgress& p) {
    if (std::string(p.phase) == "weights" && ++calls == 3) cancel.store(true);
  };
  const Result<InitModelReport> r = init_model("tiny", 1, dir / "m", opts);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("interrupted"), std::string::npos);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{});
}

TEST(InitModel, SmallVocabularyGetsNoTokenizer) {
  test::TempDir dir;
  const auto config = write_small_config(dir.path(), 64);
  const Result<InitModelReport> r = init_model(config.string(), 1, dir / "m");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->tokenizer);
  EXPECT_NE(r->tokenizer_note.find("minimum"), std::string::npos) << r->tokenizer_note;
  EXPECT_FALSE(std::filesystem::exists(dir / "m" / "tokenizer.model"));
  EXPECT_TRUE(Checkpoint::open(dir / "m").ok());
}

TEST(InitModel, CustomSpecialIdsReachTheTokenizer) {
  ModelConfig m = tiny_model_config();
  m.bos_token_id = 5;
  m.eos_token_id = 6;
  m.pad_token_id = 0;
  const Result<std::string> t = train_builtin_tokenizer(m);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.LoadFromSerializedProto(*t).ok());
  EXPECT_EQ(sp.bos_id(), 5);
  EXPECT_EQ(sp.eos_id(), 6);
  EXPECT_EQ(sp.pad_id(), 0);
  EXPECT_EQ(sp.unk_id(), 1);
  m.bos_token_id = 600;
  m.vocab_size = 1000;
  EXPECT_FALSE(train_builtin_tokenizer(m).ok());
}

}  // namespace
}  // namespace zklora
