// The base-weight commitment and what a step verifier accepts of it (weight_commitment.h).
#include "zklora/step/weight_commitment.h"

#include <nlohmann/json.hpp>

#include "zklora/fixed/format.h"
#include "zklora/poly/shape.h"
#include "zklora/step/weight_check.h"

namespace zklora {

HyraxCommitted commit_weight_tensor(const WTensor& w, int threads) {
  std::vector<uint64_t> dims;
  for (const int64_t d : w.shape) dims.push_back(static_cast<uint64_t>(d));
  return hyrax_commit_tensor(dims, std::span<const int32_t>(w.data), threads);
}

std::vector<WeightTensor> model_weight_tensors(const ModelConfig& c) {
  const auto u = [](int64_t x) { return static_cast<uint64_t>(x); };
  std::vector<WeightTensor> out{{TensorKey::of(TensorKind::EMBED), {u(c.vocab_size), u(c.d_model)}}};
  if (!c.tie_embeddings) out.push_back({TensorKey::of(TensorKind::LM_HEAD), {u(c.vocab_size), u(c.d_model)}});
  out.push_back({TensorKey::of(TensorKind::FINAL_NORM), {u(c.d_model)}});
  for (int64_t l = 0; l < c.n_layers; ++l) {
    out.push_back({TensorKey::norm(TensorKind::ATTN_NORM, l), {u(c.d_model)}});
    out.push_back({TensorKey::norm(TensorKind::MLP_NORM, l), {u(c.d_model)}});
    for (const Projection pr : kAllProjections) {
      const auto [o, i] = projection_shape(c, pr);
      out.push_back({TensorKey::projection(l, pr), {u(o), u(i)}});
    }
  }
  return out;
}

const WTensor& weight_tensor(const ModelWeights& w, const TensorKey& k, std::shared_ptr<const LayerWeights>& layer) {
  switch (k.kind) {
    case TensorKind::EMBED: return w.embed;
    case TensorKind::LM_HEAD: return w.lm_head;
    case TensorKind::FINAL_NORM: return w.final_norm;
    case TensorKind::PROJECTION:
    case TensorKind::ATTN_NORM:
    case TensorKind::MLP_NORM:
      if (!layer) layer = w.layer(k.layer);
      return k.kind == TensorKind::PROJECTION ? layer->projection(k.proj)
             : k.kind == TensorKind::ATTN_NORM ? layer->attn_norm
                                               : layer->mlp_norm;
    default: throw ZkError(ErrorCode::INVALID_ARGUMENT, k.name() + " is not a base weight");
  }
}

ProverCommitments commit_model_weights(const ModelWeights& weights, int threads) {
  ProverCommitments out;
  std::shared_ptr<const LayerWeights> layer;
  int64_t held = -1;
  for (const WeightTensor& t : model_weight_tensors(weights.config)) {
    if (t.key.layer != held) layer.reset();  // one layer's weights at a time
    held = t.key.layer;
    out.emplace(t.key.name(), commit_weight_tensor(weight_tensor(weights, t.key, layer), threads));
  }
  return out;
}

std::string model_config_json(const ModelConfig& m) {
  nlohmann::json j = {{"vocab_size", m.vocab_size},     {"hidden_size", m.d_model},
                      {"num_hidden_layers", m.n_layers}, {"num_attention_heads", m.n_heads},
                      {"num_key_value_heads", m.n_kv_heads}, {"intermediate_size", m.d_ffn},
                      {"max_position_embeddings", m.max_seq}, {"rope_theta", m.rope_theta},
                      {"rms_norm_eps", m.rms_eps},       {"tie_word_embeddings", m.tie_embeddings}};
  return j.dump();
}

Result<WeightCommitment> WeightCommitment::checked(const ModelConfig& config, const WeightCommitmentFile& file,
                                                   int threads) {
  if (file.weight_check.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "the weight commitment carries no weight check (made with --skip-weight-check): trust it "
                      "explicitly or commit the model again with the check");
  }
  if (file.config_json != model_config_json(config) || file.format_version != kFixedFormatVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "the weight commitment was made for another model configuration or fixed-point format");
  }
  if (Status s = verify_weight_check(config, file.tensors, file.weight_check, threads); !s) {
    return Error{s.code(), "weight check: " + s.error().message};
  }
  return WeightCommitment(file.tensors, true);
}

WeightCommitment WeightCommitment::trusted(PublicCommitments tensors) { return WeightCommitment(std::move(tensors), false); }

}  // namespace zklora
