// LLaMA checkpoints: config.json with transformers' names and defaults, the tensor list of LlamaForCausalLM, and
// Checkpoint::open over single and sharded files, rejecting missing, misshapen, duplicated or badly typed tensors
// with errors that name the file and the tensor.
#include "zklora/model/checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "support/random_model.h"
#include "support/temp_dir.h"
#include "zklora/model/safetensors.h"

namespace zklora {
namespace {

using testing::micro_config;

std::map<std::string, FloatTensor> model_tensors(const ModelConfig& m) {
  std::map<std::string, FloatTensor> out;
  float v = 0.0f;
  for (const LlamaTensor& t : llama_tensors(m)) {
    FloatTensor x;
    x.shape = t.shape;
    x.data.resize(static_cast<size_t>(x.numel()));
    for (float& f : x.data) f = (v += 0.25f);
    out[t.name] = std::move(x);
  }
  return out;
}

// A checkpoint of `m` in `dir`, its tensors split over `shards` files (round robin).
void write_checkpoint(const std::filesystem::path& dir, const ModelConfig& m,
                      const std::map<std::string, FloatTensor>& tensors, int shards = 1,
                      SafetensorsDtype dtype = SafetensorsDtype::F32) {
  ASSERT_TRUE(write_model_config(m, dir / "config.json").ok());
  std::vector<std::map<std::string, FloatTensor>> parts(static_cast<size_t>(shards));
  size_t i = 0;
  for (const auto& [name, t] : tensors) parts[i++ % parts.size()][name] = t;
  for (size_t s = 0; s < parts.size(); ++s) {
    ASSERT_TRUE(write_safetensors(dir / ("part-" + std::to_string(s) + ".safetensors"), parts[s], dtype).ok());
  }
}

std::string open_error(const std::filesystem::path& dir) {
  const Result<Checkpoint> c = Checkpoint::open(dir);
  return c.ok() ? "" : c.error().message;
}

TEST(ModelConfigJson, WriteThenReadIsIdentity) {
  test::TempDir dir;
  ModelConfig m = micro_config();
  m.tie_embeddings = true;
  m.rope_theta = 500000.0;
  ASSERT_TRUE(write_model_config(m, dir / "config.json", "bfloat16").ok());
  const nlohmann::json j = nlohmann::json::parse(test::read_file(dir / "config.json"));
  EXPECT_EQ(j["model_type"], "llama");
  EXPECT_EQ(j["architectures"], nlohmann::json({"LlamaForCausalLM"}));
  EXPECT_EQ(j["hidden_size"], 8);
  EXPECT_EQ(j["num_key_value_heads"], 1);
  EXPECT_EQ(j["torch_dtype"], "bfloat16");
  const Result<ModelConfig> r = read_model_config(dir / "config.json");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->vocab_size, m.vocab_size);
  EXPECT_EQ(r->d_model, m.d_model);
  EXPECT_EQ(r->n_layers, m.n_layers);
  EXPECT_EQ(r->n_heads, m.n_heads);
  EXPECT_EQ(r->n_kv_heads, m.n_kv_heads);
  EXPECT_EQ(r->d_ffn, m.d_ffn);
  EXPECT_EQ(r->max_seq, m.max_seq);
  EXPECT_EQ(r->rope_theta, m.rope_theta);
  EXPECT_EQ(r->rms_eps, m.rms_eps);
  EXPECT_EQ(r->tie_embeddings, true);
  EXPECT_EQ(r->pad_token_id, 3);
}

TEST(ModelConfigJson, MissingFieldsTakeTransformersDefaults) {
  const Result<ModelConfig> r = parse_model_config(R"({"num_attention_heads": 16, "hidden_size": 2048})", "c");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->n_kv_heads, 16);  // num_key_value_heads defaults to num_attention_heads
  EXPECT_EQ(r->vocab_size, 32000);
  EXPECT_EQ(r->d_ffn, 11008);
  EXPECT_EQ(r->n_layers, 32);
  EXPECT_EQ(r->max_seq, 2048);
  EXPECT_EQ(r->rms_eps, 1e-6);
  EXPECT_EQ(r->rope_theta, 10000.0);
  EXPECT_EQ(r->bos_token_id, 1);
  EXPECT_EQ(r->eos_token_id, 2);
  EXPECT_EQ(r->pad_token_id, 0);
  EXPECT_FALSE(r->tie_embeddings);
  const Result<ModelConfig> nulls = parse_model_config(R"({"num_key_value_heads": null, "pad_token_id": null,
                                                          "eos_token_id": [2, 7]})",
                                                       "c");
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(nulls->n_kv_heads, 32);
  EXPECT_EQ(nulls->pad_token_id, 0);
  EXPECT_EQ(nulls->eos_token_id, 2);
}

TEST(ModelConfigJson, RejectsWhatTheModelDoesNotCompute) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model_type": "mistral"})", "model_type"},
      {R"({"hidden_act": "gelu"})", "hidden_act"},
      {R"({"rope_scaling": {"type": "linear", "factor": 2.0}})", "rope_scaling"},
      {R"({"attention_bias": true})", "attention_bias"},
      {R"({"head_dim": 64, "hidden_size": 4096, "num_attention_heads": 32})", "head_dim"},
      {R"({"hidden_size": "4096"})", "hidden_size"},
      {R"({"num_key_value_heads": 5})", "num_key_value_heads"},
      {R"({"hidden_size": 4100})", "num_attention_heads"},
      {R"({"rms_norm_eps": 0})", "rms_norm_eps"},
      {R"({"vocab_size": 0})", "vocab_size"},
      {R"({"bos_token_id": 40000})", "bos_token_id"},
      {R"({"tie_word_embeddings": 1})", "tie_word_embeddings"},
      {R"([1, 2])", "not a JSON object"},
      {R"({"hidden_size": )", "not valid JSON"},
  };
  for (const auto& [json, word] : cases) {
    const Result<ModelConfig> r = parse_model_config(json, "dir/config.json");
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.code(), ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(r.error().message.find(word), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("dir/config.json"), std::string::npos) << r.error().message;
  }
  const Result<ModelConfig> missing = read_model_config("/nonexistent/config.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), ErrorCode::IO);
}

TEST(LlamaTensors, NamesShapesAndCounts) {
  const ModelConfig m = micro_config();
  const std::vector<LlamaTensor> t = llama_tensors(m);
  ASSERT_EQ(t.size(), 1 + 2 * 9 + 2u);
  EXPECT_EQ(t.front().name, "model.embed_tokens.weight");
  EXPECT_EQ(t[1].name, "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(t[2].shape, std::vector<int64_t>({4, 8}));  // k_proj: (n_kv_heads * head_dim, d_model)
  EXPECT_EQ(t[7].name, "model.layers.0.mlp.down_proj.weight");
  EXPECT_EQ(t[7].shape, std::vector<int64_t>({8, 12}));
  EXPECT_TRUE(t[8].is_norm);
  EXPECT_EQ(t.back().name, "lm_head.weight");
  // 2 * 16 * 8 embeddings + 2 layers * (8*8*2 + 4*8*2 + 12*8*3 + 2*8) + 8
  EXPECT_EQ(llama_parameter_count(m), 256 + 2 * (128 + 64 + 288 + 16) + 8);
  ModelConfig tied = m;
  tied.tie_embeddings = true;
  EXPECT_EQ(llama_tensors(tied).back().name, "model.norm.weight");
}

TEST(Checkpoint, OpensSingleAndShardedFilesInEveryDtype) {
  const ModelConfig m = micro_config();
  const auto tensors = model_tensors(m);
  for (const SafetensorsDtype dtype : {SafetensorsDtype::F32, SafetensorsDtype::F16, SafetensorsDtype::BF16}) {
    for (const int shards : {1, 3}) {
      test::TempDir dir;
      write_checkpoint(dir.path(), m, tensors, shards, dtype);
      const Result<Checkpoint> c = Checkpoint::open(dir.path());
      ASSERT_TRUE(c.ok()) << c.error().to_string();
      EXPECT_EQ(c->config().n_kv_heads, 1);
      EXPECT_EQ(c->files().size(), static_cast<size_t>(shards));
      EXPECT_EQ(c->names().size(), tensors.size());
      const std::string name = "model.layers.1.mlp.up_proj.weight";
      EXPECT_EQ(c->dtype(name).value(), safetensors_dtype_name(dtype));
      EXPECT_EQ(c->shape(name).value(), std::vector<int64_t>({12, 8}));
      const Result<FloatTensor> t = c->tensor(name);
      ASSERT_TRUE(t.ok());
      for (size_t i = 0; i < t->data.size(); ++i) {
        const float x = tensors.at(name).data[i];
        const float expect = dtype == SafetensorsDtype::F32   ? x
                             : dtype == SafetensorsDtype::F16 ? f16_to_f32(f32_to_f16(x))
                                                              : bf16_to_f32(f32_to_bf16(x));
        ASSERT_EQ(t->data[i], expect) << i;
      }
      EXPECT_FALSE(c->tensor("no.such.tensor").ok());
      EXPECT_FALSE(c->has("no.such.tensor"));
    }
  }
}

TEST(Checkpoint, ContentHashIsStableAndSeesEveryByte) {
  const ModelConfig m = micro_config();
  auto tensors = model_tensors(m);
  test::TempDir a, b, c;
  write_checkpoint(a.path(), m, tensors, 1);
  write_checkpoint(b.path(), m, tensors, 2);  // the same contents in other files
  tensors["model.layers.1.self_attn.v_proj.weight"].data[5] += 1.0f;
  write_checkpoint(c.path(), m, tensors, 1);
  const std::string ha = Checkpoint::open(a.path())->content_hash().value();
  EXPECT_EQ(ha.size(), 64u);
  EXPECT_EQ(ha, Checkpoint::open(a.path())->content_hash().value());
  EXPECT_EQ(ha, Checkpoint::open(b.path())->content_hash().value());
  EXPECT_NE(ha, Checkpoint::open(c.path())->content_hash().value());
}

TEST(Checkpoint, MissingTensorIsNamed) {
  const ModelConfig m = micro_config();
  auto tensors = model_tensors(m);
  tensors.erase("model.layers.1.post_attention_layernorm.weight");
  test::TempDir dir;
  write_checkpoint(dir.path(), m, tensors);
  const std::string e = open_error(dir.path());
  EXPECT_NE(e.find("missing tensor 'model.layers.1.post_attention_layernorm.weight'"), std::string::npos) << e;
}

TEST(Checkpoint, ShapeMismatchWithConfigNamesFileAndTensor) {
  const ModelConfig m = micro_config();
  auto tensors = model_tensors(m);
  tensors["model.layers.0.self_attn.k_proj.weight"] = FloatTensor{{8, 8}, std::vector<float>(64, 1.0f)};
  test::TempDir dir;
  write_checkpoint(dir.path(), m, tensors);
  const std::string e = open_error(dir.path());
  EXPECT_NE(e.find("part-0.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("'model.layers.0.self_attn.k_proj.weight' has shape [8, 8] but config.json says [4, 8]"),
            std::string::npos)
      << e;
}

TEST(Checkpoint, DuplicateTensorAcrossShards) {
  const ModelConfig m = micro_config();
  const auto tensors = model_tensors(m);
  test::TempDir dir;
  write_checkpoint(dir.path(), m, tensors);
  ASSERT_TRUE(
      write_safetensors(dir / "extra.safetensors", {{"model.norm.weight", tensors.at("model.norm.weight")}}).ok());
  const std::string e = open_error(dir.path());
  EXPECT_NE(e.find("'model.norm.weight' is in both extra.safetensors and part-0.safetensors"), std::string::npos) << e;
}

TEST(Checkpoint, NonFloatWeightIsRejected) {
  const ModelConfig m = micro_config();
  auto tensors = model_tensors(m);
  tensors.erase("model.norm.weight");
  test::TempDir dir;
  write_checkpoint(dir.path(), m, tensors);
  // model.norm.weight as I32 in a file of its own.
  const std::string header = R"({"model.norm.weight":{"dtype":"I32","shape":[8],"data_offsets":[0,32]}})";
  std::string file(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(file.data(), &n, 8);
  test::write_file(dir / "norm.safetensors", file + header + std::string(32, '\0'));
  const std::string e = open_error(dir.path());
  EXPECT_NE(e.find("norm.safetensors: tensor 'model.norm.weight' has dtype I32"), std::string::npos) << e;
}

TEST(Checkpoint, CorruptShardNamesTheFile) {
  const ModelConfig m = micro_config();
  test::TempDir dir;
  write_checkpoint(dir.path(), m, model_tensors(m), 2);
  const std::string bytes = test::read_file(dir / "part-1.safetensors");
  test::write_file(dir / "part-1.safetensors", bytes.substr(0, bytes.size() - 3));
  const Result<Checkpoint> c = Checkpoint::open(dir.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(c.error().message.find("part-1.safetensors"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("truncated"), std::string::npos) << c.error().message;
}

TEST(Checkpoint, IndexMustAgreeWithTheFiles) {
  const ModelConfig m = micro_config();
  const auto tensors = model_tensors(m);
  test::TempDir dir;
  write_checkpoint(dir.path(), m, tensors, 2);
  nlohmann::json map;
  size_t i = 0;
  for (const auto& [name, t] : tensors) map[name] = "part-" + std::to_string(i++ % 2) + ".safetensors";
  test::write_file(dir / "model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
  EXPECT_EQ(open_error(dir.path()), "");
  map["lm_head.weight"] = map["lm_head.weight"] == "part-0.safetensors" ? "part-1.safetensors" : "part-0.safetensors";
  test::write_file(dir / "model.safetensors.index.json", nlohmann::json{{"weight_map", map}}.dump());
  EXPECT_NE(open_error(dir.path()).find("'lm_head.weight'"), std::string::npos);
  test::write_file(dir / "model.safetensors.index.json", "{");
  EXPECT_NE(open_error(dir.path()).find("model.safetensors.index.json"), std::string::npos);
}

TEST(Checkpoint, MissingPiecesAreIoErrors) {
  test::TempDir dir;
  Result<Checkpoint> c = Checkpoint::open(dir / "absent");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.code(), ErrorCode::IO);
  c = Checkpoint::open(dir.path());  // no config.json
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.code(), ErrorCode::IO);
  ASSERT_TRUE(write_model_config(micro_config(), dir / "config.json").ok());
  c = Checkpoint::open(dir.path());  // no weights
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.code(), ErrorCode::IO);
  EXPECT_NE(c.error().message.find("no *.safetensors"), std::string::npos);
}

TEST(Checkpoint, TiedEmbeddingsNeedNoLmHead) {
  ModelConfig m = micro_config();
  m.tie_embeddings = true;
  test::TempDir dir;
  write_checkpoint(dir.path(), m, model_tensors(m));
  const Result<Checkpoint> c = Checkpoint::open(dir.path());
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_FALSE(c->has("lm_head.weight"));
}

}  // namespace
}  // namespace zklora
