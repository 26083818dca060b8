// Test support: a small LLaMA-shaped model with random quantized weights, built in memory.
#pragma once

#include <random>
#include <vector>

#include "zklora/fixed/format.h"
#include "zklora/model/llama.h"

namespace zklora::testing {

inline ModelConfig small_config() {
  ModelConfig c;
  c.vocab_size = 64;
  c.d_model = 32;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.d_ffn = 48;
  c.max_seq = 32;
  c.rms_eps = 1e-5;
  c.pad_token_id = 0;
  return c;
}

// The smallest shape with every feature (two layers, grouped-query heads, d_ffn not a multiple of d_model): for
// file formats and loaders.
inline ModelConfig micro_config() {
  ModelConfig m;
  m.vocab_size = 16;
  m.d_model = 8;
  m.n_layers = 2;
  m.n_heads = 2;
  m.n_kv_heads = 1;
  m.d_ffn = 12;
  m.max_seq = 16;
  m.rms_eps = 1e-5;
  m.pad_token_id = 3;
  return m;
}

inline WTensor normal_weights(std::vector<int64_t> shape, double std, std::mt19937_64& g) {
  WTensor w(std::move(shape));
  std::normal_distribution<double> n(0.0, std);
  for (int32_t& v : w.data) v = static_cast<int32_t>(std::llround(n(g) * 65536.0));
  return w;
}

inline WTensor ones(int64_t d) {
  WTensor w({d});
  for (int32_t& v : w.data) v = 1 << kFixed.weight;
  return w;
}

inline ModelWeights random_model(const ModelConfig& c, uint64_t seed, double std = 0.1) {
  std::mt19937_64 g(seed);
  std::vector<LayerWeights> layers;
  for (int64_t l = 0; l < c.n_layers; ++l) {
    LayerWeights w;
    w.attn_norm = ones(c.d_model);
    w.mlp_norm = ones(c.d_model);
    for (const Projection p : kAllProjections) {
      const auto [out, in] = projection_shape(c, p);
      w.proj[static_cast<size_t>(p)] = normal_weights({out, in}, std, g);
    }
    layers.push_back(std::move(w));
  }
  WTensor embed = normal_weights({c.vocab_size, c.d_model}, std, g);
  // Tied (tie_word_embeddings): the LM head is the embedding.
  WTensor head = c.tie_embeddings ? embed : normal_weights({c.vocab_size, c.d_model}, std, g);
  return ModelWeights::resident(c, std::move(embed), ones(c.d_model), std::move(head), std::move(layers));
}

// An adapter on every projection with non-zero B, so every gradient is non-zero.
inline AdapterTensors random_adapter(const ModelConfig& c, uint64_t seed,
                                     std::vector<Projection> targets = {std::begin(kAllProjections),
                                                                        std::end(kAllProjections)}) {
  LoraConfig lora;
  lora.rank = 4;
  lora.alpha = 8;
  lora.targets = std::move(targets);
  AdapterTensors ad = init_adapter(c, lora, seed);
  std::mt19937_64 g(seed + 1);
  std::normal_distribution<double> n(0.0, 0.05);
  for (ITensor& b : ad.b)
    for (int64_t& v : b.data) v = std::llround(n(g) * 16777216.0);
  return ad;
}

inline std::vector<std::vector<int32_t>> random_sequences(int64_t count, int64_t len, int64_t vocab, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<std::vector<int32_t>> out(static_cast<size_t>(count));
  for (auto& s : out) {
    s.resize(static_cast<size_t>(len - static_cast<int64_t>(g() % 5)));
    for (int32_t& t : s) t = static_cast<int32_t>(1 + g() % static_cast<uint64_t>(vocab - 1));
  }
  return out;
}

}  // namespace zklora::testing
