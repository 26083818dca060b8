// PEFT adapters: the names PEFT uses, a write/read round trip, refusal to overwrite, and rejection of adapters
// that do not match the model or whose configuration means something other than plain LoRA.
#include "zklora/model/adapter_io.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/random_model.h"
#include "support/temp_dir.h"

namespace zklora {
namespace {

using testing::micro_config;

FloatAdapter small_adapter(const ModelConfig& m, std::vector<Projection> targets) {
  FloatAdapter a;
  a.config.rank = 2;
  a.config.alpha = 4.0;
  a.config.targets = std::move(targets);
  float v = 0.5f;
  for (int64_t l = 0; l < m.n_layers; ++l) {
    for (const Projection p : a.config.targets) {
      const auto [out, in] = projection_shape(m, p);
      FloatTensor A{{2, in}, std::vector<float>(static_cast<size_t>(2 * in))};
      FloatTensor B{{out, 2}, std::vector<float>(static_cast<size_t>(2 * out))};
      for (float& x : A.data) x = (v *= -1.01f);
      for (float& x : B.data) x = (v *= -0.99f);
      a.tensors[peft_tensor_name(l, p, 'A')] = A;
      a.tensors[peft_tensor_name(l, p, 'B')] = B;
    }
  }
  return a;
}

TEST(PeftAdapter, TensorNamesArePefts) {
  EXPECT_EQ(peft_tensor_name(3, Projection::Q, 'A'), "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight");
  EXPECT_EQ(peft_tensor_name(0, Projection::DOWN, 'B'), "base_model.model.model.layers.0.mlp.down_proj.lora_B.weight");
}

TEST(PeftAdapter, RoundTrip) {
  const ModelConfig m = micro_config();
  const FloatAdapter a = small_adapter(m, {Projection::Q, Projection::K, Projection::UP, Projection::DOWN});
  test::TempDir dir;
  ASSERT_TRUE(write_peft_adapter(dir / "run", a, m, "models/tiny").ok());
  const nlohmann::json cfg = nlohmann::json::parse(test::read_file(dir / "run" / "adapter_config.json"));
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["task_type"], "CAUSAL_LM");
  EXPECT_EQ(cfg["r"], 2);
  EXPECT_TRUE(cfg["lora_alpha"].is_number_integer());
  EXPECT_EQ(cfg["lora_alpha"], 4);
  EXPECT_EQ(cfg["target_modules"], nlohmann::json({"q_proj", "k_proj", "up_proj", "down_proj"}));
  EXPECT_EQ(cfg["bias"], "none");
  EXPECT_EQ(cfg["lora_dropout"], 0.0);
  EXPECT_EQ(cfg["fan_in_fan_out"], false);
  EXPECT_EQ(cfg["base_model_name_or_path"], "models/tiny");

  const Result<FloatAdapter> r = read_peft_adapter(dir / "run", m);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->config.rank, 2);
  EXPECT_EQ(r->config.alpha, 4.0);
  EXPECT_EQ(r->config.targets, a.config.targets);
  ASSERT_EQ(r->tensors.size(), a.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    EXPECT_EQ(r->tensors.at(name).shape, t.shape) << name;
    EXPECT_EQ(r->tensors.at(name).data, t.data) << name;
  }
  EXPECT_EQ(r->tensors.at(peft_tensor_name(1, Projection::K, 'B')).shape, std::vector<int64_t>({4, 2}));
}

TEST(PeftAdapter, FractionalAlphaSurvives) {
  const ModelConfig m = micro_config();
  FloatAdapter a = small_adapter(m, {Projection::V});
  a.config.alpha = 2.5;
  test::TempDir dir;
  ASSERT_TRUE(write_peft_adapter(dir.path(), a, m, "base").ok());
  EXPECT_EQ(read_peft_adapter(dir.path(), m)->config.alpha, 2.5);
}

TEST(PeftAdapter, NeverOverwritesUnlessAsked) {
  const ModelConfig m = micro_config();
  const FloatAdapter a = small_adapter(m, {Projection::Q, Projection::V});
  test::TempDir dir;
  ASSERT_TRUE(write_peft_adapter(dir.path(), a, m, "base").ok());
  const Status again = write_peft_adapter(dir.path(), a, m, "base");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::IO);
  EXPECT_TRUE(write_peft_adapter(dir.path(), a, m, "base", /*overwrite=*/true).ok());
}

TEST(PeftAdapter, WriterChecksTheTensors) {
  const ModelConfig m = micro_config();
  test::TempDir dir;
  FloatAdapter a = small_adapter(m, {Projection::Q, Projection::V});
  a.tensors.erase(peft_tensor_name(1, Projection::V, 'A'));
  EXPECT_FALSE(write_peft_adapter(dir / "a", a, m, "base").ok());
  a = small_adapter(m, {Projection::Q, Projection::V});
  a.tensors[peft_tensor_name(0, Projection::O, 'A')] = FloatTensor{{2, 8}, std::vector<float>(16)};
  EXPECT_FALSE(write_peft_adapter(dir / "b", a, m, "base").ok());
  a = small_adapter(m, {Projection::Q, Projection::V});
  a.tensors[peft_tensor_name(0, Projection::Q, 'B')].shape = {2, 8};
  EXPECT_FALSE(write_peft_adapter(dir / "c", a, m, "base").ok());
}

class PeftAdapterBad : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(write_peft_adapter(dir_.path(), small_adapter(m_, {Projection::Q, Projection::V}), m_, "base").ok());
    config_ = nlohmann::json::parse(test::read_file(dir_ / "adapter_config.json"));
  }
  // The error of reading the adapter after replacing config key `key` with `value`.
  std::string error_with(const std::string& key, const nlohmann::json& value) {
    nlohmann::json c = config_;
    c[key] = value;
    test::write_file(dir_ / "adapter_config.json", c.dump());
    const Result<FloatAdapter> r = read_peft_adapter(dir_.path(), m_);
    return r.ok() ? "" : r.error().message;
  }
  ModelConfig m_ = micro_config();
  test::TempDir dir_;
  nlohmann::json config_;
};

TEST_F(PeftAdapterBad, ConfigsThatChangeTheMeaningAreRejected) {
  EXPECT_NE(error_with("peft_type", "PREFIX_TUNING").find("peft_type"), std::string::npos);
  EXPECT_NE(error_with("use_rslora", true).find("use_rslora"), std::string::npos);
  EXPECT_NE(error_with("use_dora", true).find("use_dora"), std::string::npos);
  EXPECT_NE(error_with("bias", "all").find("bias"), std::string::npos);
  EXPECT_NE(error_with("fan_in_fan_out", true).find("fan_in_fan_out"), std::string::npos);
  EXPECT_NE(error_with("rank_pattern", {{"q_proj", 4}}).find("rank_pattern"), std::string::npos);
  EXPECT_NE(error_with("layers_to_transform", {0}).find("layers_to_transform"), std::string::npos);
  EXPECT_NE(error_with("target_modules", "all-linear").find("target_modules"), std::string::npos);
  EXPECT_NE(error_with("target_modules", {"q_proj", "lm_head"}).find("lm_head"), std::string::npos);
  EXPECT_NE(error_with("target_modules", {"q_proj", "q_proj", "v_proj"}).find("twice"), std::string::npos);
  EXPECT_NE(error_with("r", 0).find("rank"), std::string::npos);
  EXPECT_NE(error_with("lora_alpha", "16").find("lora_alpha"), std::string::npos);
  EXPECT_NE(error_with("task_type", "SEQ_CLS").find("task_type"), std::string::npos);
  // Harmless variations are accepted.
  EXPECT_EQ(error_with("rank_pattern", nlohmann::json::object()), "");
  EXPECT_EQ(error_with("modules_to_save", nullptr), "");
  EXPECT_EQ(error_with("target_modules", {"v_proj", "q_proj"}), "");
}

TEST_F(PeftAdapterBad, TensorsMustMatchTheModel) {
  // A rank the weights do not have.
  EXPECT_NE(error_with("r", 3).find("expected [3, 8]"), std::string::npos);
  // More targets than the file holds.
  const std::string missing = error_with("target_modules", {"q_proj", "k_proj", "v_proj"});
  EXPECT_NE(missing.find("missing tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'"),
            std::string::npos)
      << missing;
  // Fewer targets than the file holds.
  const std::string extra = error_with("target_modules", {"q_proj"});
  EXPECT_NE(extra.find("unexpected tensor"), std::string::npos) << extra;
  EXPECT_NE(extra.find("adapter_model.safetensors"), std::string::npos) << extra;
  // A model with more layers than the adapter.
  test::write_file(dir_ / "adapter_config.json", config_.dump());
  ModelConfig deeper = m_;
  deeper.n_layers = 3;
  const Result<FloatAdapter> r = read_peft_adapter(dir_.path(), deeper);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("layers.2"), std::string::npos) << r.error().message;
}

TEST_F(PeftAdapterBad, MissingFiles) {
  std::filesystem::remove(dir_ / "adapter_model.safetensors");
  Result<FloatAdapter> r = read_peft_adapter(dir_.path(), m_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::IO);
  test::write_file(dir_ / "adapter_model.bin", "pickle");
  r = read_peft_adapter(dir_.path(), m_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("adapter_model.bin"), std::string::npos);
  std::filesystem::remove(dir_ / "adapter_config.json");
  r = read_peft_adapter(dir_.path(), m_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::IO);
}

}  // namespace
}  // namespace zklora
