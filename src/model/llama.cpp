// Model weights, adapters and batches of the fixed-point engine (llama.h).
#include "zklora/model/llama.h"

#include <cmath>
#include <string>

#include "zklora/fixed/format.h"
#include "zklora/model/deterministic_rng.h"

namespace zklora {
namespace {

std::string layer_prefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }

Result<WTensor> load_quantized(const Checkpoint& ckpt, const std::string& name) {
  Result<FloatTensor> t = ckpt.tensor(name);
  if (!t.ok()) return t.error();
  return quantize_weights(t.value(), name);
}

}  // namespace

Result<WTensor> quantize_weights(const FloatTensor& t, const std::string& name) {
  WTensor q(t.shape);
  const double scale = std::ldexp(1.0, kFixed.weight);
  for (size_t i = 0; i < t.data.size(); ++i) {
    const double v = static_cast<double>(t.data[i]);
    if (!std::isfinite(v) || std::fabs(v) * scale >= 2147483647.0) {
      return make_error(ErrorCode::OUT_OF_RANGE, "tensor " + name + " element " + std::to_string(i) + " = " +
                                                     std::to_string(v) + " does not fit the weight format");
    }
    q.data[i] = static_cast<int32_t>(std::llround(v * scale));
  }
  return q;
}

Result<LayerWeights> load_layer_weights(const Checkpoint& ckpt, int64_t layer) {
  LayerWeights w;
  const std::string prefix = layer_prefix(layer);
  auto attn = load_quantized(ckpt, prefix + "input_layernorm.weight");
  if (!attn.ok()) return attn.error();
  w.attn_norm = std::move(attn.value());
  auto mlp = load_quantized(ckpt, prefix + "post_attention_layernorm.weight");
  if (!mlp.ok()) return mlp.error();
  w.mlp_norm = std::move(mlp.value());
  for (const Projection p : kAllProjections) {
    auto t = load_quantized(ckpt, prefix + projection_block(p) + "." + projection_module(p) + ".weight");
    if (!t.ok()) return t.error();
    w.proj[static_cast<size_t>(p)] = std::move(t.value());
  }
  return w;
}

ModelWeights ModelWeights::resident(ModelConfig config, WTensor embed, WTensor final_norm, WTensor lm_head,
                                    std::vector<LayerWeights> layers) {
  ModelWeights m;
  m.config = std::move(config);
  m.embed = std::move(embed);
  m.final_norm = std::move(final_norm);
  m.lm_head = std::move(lm_head);
  for (LayerWeights& l : layers) m.layers_.push_back(std::make_shared<const LayerWeights>(std::move(l)));
  return m;
}

ModelWeights ModelWeights::resident(ModelConfig config, WTensor embed, WTensor final_norm, WTensor lm_head,
                                    std::vector<std::shared_ptr<const LayerWeights>> layers) {
  ModelWeights m;
  m.config = std::move(config);
  m.embed = std::move(embed);
  m.final_norm = std::move(final_norm);
  m.lm_head = std::move(lm_head);
  m.layers_ = std::move(layers);
  return m;
}

bool ModelWeights::should_stream(const ModelConfig& cfg) {
  int64_t layer_params = 0;
  for (const Projection p : kAllProjections) {
    const auto [out, in] = projection_shape(cfg, p);
    layer_params += out * in;
  }
  return cfg.n_layers * layer_params * static_cast<int64_t>(sizeof(int32_t)) > (int64_t{1} << 32);
}

Result<ModelWeights> ModelWeights::from_checkpoint(std::shared_ptr<const Checkpoint> ckpt, bool stream_layers) {
  ModelWeights m;
  m.config = ckpt->config();
  auto embed = load_quantized(*ckpt, "model.embed_tokens.weight");
  if (!embed.ok()) return embed.error();
  m.embed = std::move(embed.value());
  auto norm = load_quantized(*ckpt, "model.norm.weight");
  if (!norm.ok()) return norm.error();
  m.final_norm = std::move(norm.value());
  if (m.config.tie_embeddings) {
    m.lm_head = m.embed;
  } else {
    auto head = load_quantized(*ckpt, "lm_head.weight");
    if (!head.ok()) return head.error();
    m.lm_head = std::move(head.value());
  }
  if (stream_layers) {
    m.checkpoint_ = std::move(ckpt);
  } else {
    for (int64_t l = 0; l < m.config.n_layers; ++l) {
      auto layer = load_layer_weights(*ckpt, l);
      if (!layer.ok()) return layer.error();
      m.layers_.push_back(std::make_shared<const LayerWeights>(std::move(layer.value())));
    }
  }
  return m;
}

std::shared_ptr<const LayerWeights> ModelWeights::layer(int64_t i) const {
  if (i < 0 || i >= config.n_layers) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "layer " + std::to_string(i) + " does not exist");
  }
  if (!checkpoint_) return layers_[static_cast<size_t>(i)];
  return std::make_shared<const LayerWeights>(load_layer_weights(*checkpoint_, i).value());
}

AdapterTensors AdapterTensors::zeros_like(const AdapterTensors& other) {
  AdapterTensors z;
  z.config = other.config;
  z.n_layers = other.n_layers;
  // Projections without an adapter stay empty (no shape, no data), not one-element scalars.
  for (const ITensor& t : other.a) z.a.push_back(t.shape.empty() ? ITensor() : ITensor(t.shape));
  for (const ITensor& t : other.b) z.b.push_back(t.shape.empty() ? ITensor() : ITensor(t.shape));
  return z;
}

AdapterTensors init_adapter(const ModelConfig& model, const LoraConfig& lora, uint64_t seed) {
  AdapterTensors ad;
  ad.config = lora;
  ad.n_layers = model.n_layers;
  ad.a.resize(static_cast<size_t>(model.n_layers * 7));
  ad.b.resize(ad.a.size());
  SplitMix64 rng(seed);
  const double scale = std::ldexp(1.0, kFixed.lora);
  for (int64_t l = 0; l < model.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (!lora.targets_projection(p)) continue;
      const auto [out, in] = projection_shape(model, p);
      ITensor& a = ad.a_of(l, p);
      a = ITensor({lora.rank, in});
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));
      for (int64_t& v : a.data) {
        const double u = static_cast<double>(rng.next() >> 11) * 0x1p-53;
        v = std::llround((2.0 * u - 1.0) * bound * scale);
      }
      ad.b_of(l, p) = ITensor({out, lora.rank});
    }
  }
  return ad;
}

Result<AdapterTensors> adapter_from_float(const FloatAdapter& fa, const ModelConfig& model) {
  AdapterTensors ad;
  ad.config = fa.config;
  ad.n_layers = model.n_layers;
  ad.a.resize(static_cast<size_t>(model.n_layers * 7));
  ad.b.resize(ad.a.size());
  const double scale = std::ldexp(1.0, kFixed.lora);
  for (int64_t l = 0; l < model.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (!fa.config.targets_projection(p)) continue;
      for (const char m : {'A', 'B'}) {
        const std::string name = peft_tensor_name(l, p, m);
        const auto it = fa.tensors.find(name);
        if (it == fa.tensors.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "adapter lacks tensor " + name);
        ITensor t(it->second.shape);
        for (size_t i = 0; i < it->second.data.size(); ++i) {
          const double v = static_cast<double>(it->second.data[i]) * scale;
          if (!std::isfinite(v) || std::fabs(v) >= 0x1p62) {
            return make_error(ErrorCode::OUT_OF_RANGE, "adapter tensor " + name + " does not fit the LoRA format");
          }
          t.data[i] = std::llround(v);
        }
        (m == 'A' ? ad.a_of(l, p) : ad.b_of(l, p)) = std::move(t);
      }
    }
  }
  return ad;
}

FloatAdapter adapter_to_float(const AdapterTensors& ad, unsigned frac_bits) {
  FloatAdapter fa;
  fa.config = ad.config;
  for (int64_t l = 0; l < ad.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (ad.a_of(l, p).numel() == 0) continue;
      for (const char m : {'A', 'B'}) {
        const ITensor& t = m == 'A' ? ad.a_of(l, p) : ad.b_of(l, p);
        FloatTensor f{t.shape, std::vector<float>(t.data.size())};
        for (size_t i = 0; i < t.data.size(); ++i) {
          f.data[i] = static_cast<float>(std::ldexp(static_cast<double>(t.data[i]), -static_cast<int>(frac_bits)));
        }
        fa.tensors.emplace(peft_tensor_name(l, p, m), std::move(f));
      }
    }
  }
  return fa;
}

Batch make_batch(const std::vector<std::vector<int32_t>>& sequences, int64_t seq, const ModelConfig& config) {
  Batch b;
  b.batch = static_cast<int64_t>(sequences.size());
  b.seq = seq;
  b.tokens.assign(static_cast<size_t>(b.batch * seq), static_cast<int32_t>(config.pad_token_id));
  b.targets.assign(b.tokens.size(), -1);
  for (int64_t i = 0; i < b.batch; ++i) {
    const auto& s = sequences[static_cast<size_t>(i)];
    const int64_t len = std::min<int64_t>(seq, static_cast<int64_t>(s.size()));
    for (int64_t t = 0; t < len; ++t) b.tokens[static_cast<size_t>(i * seq + t)] = s[static_cast<size_t>(t)];
    for (int64_t t = 0; t + 1 < len; ++t) b.targets[static_cast<size_t>(i * seq + t)] = s[static_cast<size_t>(t + 1)];
  }
  return b;
}

double mean_loss(int64_t loss_sum, int64_t count) {
  if (count == 0) return 0.0;
  return std::ldexp(static_cast<double>(loss_sum) / static_cast<double>(count), -static_cast<int>(kFixed.act));
}

double StepResult::loss() const { return mean_loss(loss_sum, count); }

int64_t lora_scale_fixed(const LoraConfig& lora) {
  return std::llround(std::ldexp(lora.alpha / static_cast<double>(lora.rank), kFixed.unit));
}

}  // namespace zklora
