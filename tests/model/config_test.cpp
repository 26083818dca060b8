// Model and LoRA configurations: validation names the offending field, projection names and shapes follow
// Hugging Face's modules.
#include "zklora/model/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace zklora {
namespace {

ModelConfig good() {
  ModelConfig m;
  m.vocab_size = 512;
  m.d_model = 128;
  m.n_layers = 2;
  m.n_heads = 4;
  m.n_kv_heads = 2;
  m.d_ffn = 344;
  m.max_seq = 256;
  return m;
}

void expect_invalid(const ModelConfig& m, const std::string& field) {
  const Status s = m.validate();
  ASSERT_FALSE(s.ok()) << field;
  EXPECT_EQ(s.code(), ErrorCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error().message.find(field), std::string::npos) << s.error().message;
}

TEST(ModelConfig, ValidateNamesTheField) {
  EXPECT_TRUE(good().validate().ok());
  ModelConfig m = good();
  m.vocab_size = 0;
  expect_invalid(m, "vocab_size");
  m = good();
  m.d_model = -128;
  expect_invalid(m, "hidden_size");
  m = good();
  m.n_layers = 0;
  expect_invalid(m, "num_hidden_layers");
  m = good();
  m.n_heads = 3;
  expect_invalid(m, "num_attention_heads");
  m = good();
  m.n_kv_heads = 3;
  expect_invalid(m, "num_key_value_heads");
  m = good();
  m.n_kv_heads = 0;
  expect_invalid(m, "num_key_value_heads");
  m = good();
  m.d_ffn = 0;
  expect_invalid(m, "intermediate_size");
  m = good();
  m.max_seq = 0;
  expect_invalid(m, "max_position_embeddings");
  m = good();
  m.d_model = 12;
  m.n_heads = 4;
  m.n_kv_heads = 4;  // head_dim 3
  expect_invalid(m, "even");
  m = good();
  m.rope_theta = std::numeric_limits<double>::infinity();
  expect_invalid(m, "rope_theta");
  m = good();
  m.rope_theta = -1.0;
  expect_invalid(m, "rope_theta");
  m = good();
  m.rms_eps = 0.0;
  expect_invalid(m, "rms_norm_eps");
  m = good();
  m.rms_eps = std::nan("");
  expect_invalid(m, "rms_norm_eps");
  m = good();
  m.eos_token_id = 512;
  expect_invalid(m, "eos_token_id");
  m = good();
  m.pad_token_id = -1;
  expect_invalid(m, "pad_token_id");
  m = good();
  m.d_model = int64_t{1} << 40;
  expect_invalid(m, "hidden_size");
}

TEST(ModelConfig, DerivedSizes) {
  const ModelConfig m = good();
  EXPECT_EQ(m.head_dim(), 32);
  EXPECT_EQ(m.d_kv(), 64);
}

TEST(Projection, NamesAndParsing) {
  for (const Projection p : kAllProjections) {
    const std::string module = projection_module(p);
    EXPECT_EQ(parse_projection(module).value(), p);
    EXPECT_EQ(parse_projection(module.substr(0, module.size() - 5)).value(), p);
  }
  EXPECT_STREQ(projection_module(Projection::GATE), "gate_proj");
  EXPECT_STREQ(projection_block(Projection::O), "self_attn");
  EXPECT_STREQ(projection_block(Projection::DOWN), "mlp");
  const Result<Projection> bad = parse_projection("qkv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("qkv"), std::string::npos);
  EXPECT_FALSE(parse_projection("").ok());
  EXPECT_FALSE(parse_projection("Q").ok());
}

TEST(Projection, ListParsingSortsAndRejectsRepeats) {
  EXPECT_EQ(parse_projection_list("v,q").value(), (std::vector<Projection>{Projection::Q, Projection::V}));
  EXPECT_EQ(parse_projection_list("down_proj,gate,up,o").value(),
            (std::vector<Projection>{Projection::O, Projection::GATE, Projection::UP, Projection::DOWN}));
  EXPECT_FALSE(parse_projection_list("q,q_proj").ok());
  EXPECT_FALSE(parse_projection_list("q,,v").ok());
  EXPECT_FALSE(parse_projection_list("").ok());
  EXPECT_FALSE(parse_projection_list("q,w").ok());
}

TEST(Projection, ShapesAreOutByIn) {
  const ModelConfig m = good();
  EXPECT_EQ(projection_shape(m, Projection::Q), std::make_pair(int64_t{128}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::K), std::make_pair(int64_t{64}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::V), std::make_pair(int64_t{64}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::O), std::make_pair(int64_t{128}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::GATE), std::make_pair(int64_t{344}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::UP), std::make_pair(int64_t{344}, int64_t{128}));
  EXPECT_EQ(projection_shape(m, Projection::DOWN), std::make_pair(int64_t{128}, int64_t{344}));
}

TEST(LoraConfig, Validate) {
  LoraConfig c;
  EXPECT_TRUE(c.validate().ok());
  EXPECT_TRUE(c.targets_projection(Projection::Q));
  EXPECT_TRUE(c.targets_projection(Projection::V));
  EXPECT_FALSE(c.targets_projection(Projection::K));
  c.rank = 0;
  EXPECT_FALSE(c.validate().ok());
  c = LoraConfig{};
  c.alpha = 0.0;
  EXPECT_FALSE(c.validate().ok());
  c.alpha = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(c.validate().ok());
  c = LoraConfig{};
  c.targets = {};
  EXPECT_FALSE(c.validate().ok());
  c.targets = {Projection::V, Projection::Q};
  EXPECT_FALSE(c.validate().ok());
  c.targets = {Projection::Q, Projection::Q};
  EXPECT_FALSE(c.validate().ok());
  c.targets = {Projection::Q,    Projection::K,  Projection::V,   Projection::O,
               Projection::GATE, Projection::UP, Projection::DOWN};
  EXPECT_TRUE(c.validate().ok());
}

}  // namespace
}  // namespace zklora
