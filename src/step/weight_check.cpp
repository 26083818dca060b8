// The well-formedness proof of a base-weight commitment (weight_check.h).
#include "zklora/step/weight_check.h"

#include <map>
#include <memory>
#include <optional>

#include "zklora/fixed/format.h"
#include "zklora/poly/shape.h"
#include "zklora/step/graph.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {
namespace {

constexpr RangeSpec kWeightRange{32, true};
constexpr uint64_t kGroupEntries = uint64_t{1} << 22;

std::vector<uint64_t> dims_of(int64_t a, int64_t b = -1) {
  std::vector<uint64_t> d{static_cast<uint64_t>(a)};
  if (b >= 0) d.push_back(static_cast<uint64_t>(b));
  return d;
}

// Consecutive tensors of at most kGroupEntries padded entries (one larger tensor alone).
std::vector<std::vector<WeightTensorName>> groups_of(const ModelConfig& c) {
  std::vector<std::vector<WeightTensorName>> out;
  uint64_t entries = 0;
  for (WeightTensorName& t : weight_check_tensors(c)) {
    const uint64_t n = PaddedShape(t.dims).padded_size();
    if (out.empty() || entries + n > kGroupEntries) {
      out.emplace_back();
      entries = 0;
    }
    out.back().push_back(std::move(t));
    entries += n;
  }
  return out;
}

StepGraph group_graph(const std::vector<WeightTensorName>& group) {
  StepGraph g;
  for (const WeightTensorName& t : group) g.add_statement_tensor(t.name, t.dims, true, kWeightRange);
  return g;
}

void absorb_statement(Transcript& t, const ModelConfig& c) {
  t.domain("weight-check-statement");
  const std::string json = model_config_json(c);
  t.absorb_bytes("config", std::span(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
  t.absorb_u64("format-version", kFixedFormatVersion);
}

// The weight tensor of a name; a layer is read once per group and kept alive in `layers`.
using LayerCacheMap = std::map<int64_t, std::shared_ptr<const LayerWeights>>;

const WTensor& tensor_of(const ModelWeights& w, const std::string& name, LayerCacheMap& layers) {
  if (name == "embed") return w.embed;
  if (name == "lm_head") return w.lm_head;
  if (name == "final_norm") return w.final_norm;
  const size_t dot = name.find('.', 7);  // "layers.<l>.<module>"
  const int64_t l = std::stoll(name.substr(7, dot - 7));
  const std::string module = name.substr(dot + 1);
  auto& keep = layers[l];
  if (!keep) keep = w.layer(l);
  if (module == "attn_norm") return keep->attn_norm;
  if (module == "mlp_norm") return keep->mlp_norm;
  for (const Projection p : kAllProjections) {
    if (module == projection_module(p)) return keep->projection(p);
  }
  throw ZkError(ErrorCode::INVALID_ARGUMENT, "weight check: no tensor " + name);
}

}  // namespace

std::vector<WeightTensorName> weight_check_tensors(const ModelConfig& c) {
  std::vector<WeightTensorName> out = {{"embed", dims_of(c.vocab_size, c.d_model)},
                                       {"lm_head", dims_of(c.vocab_size, c.d_model)},
                                       {"final_norm", dims_of(c.d_model)}};
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    out.push_back({p + "attn_norm", dims_of(c.d_model)});
    out.push_back({p + "mlp_norm", dims_of(c.d_model)});
    for (const Projection pr : kAllProjections) {
      const auto [o, i] = projection_shape(c, pr);
      out.push_back({p + projection_module(pr), dims_of(o, i)});
    }
  }
  return out;
}

std::vector<uint8_t> prove_weight_check(const ModelWeights& weights, const ProverCommitments& commitments,
                                        int threads) {
  Transcript t("zklora-weight-check");
  absorb_statement(t, weights.config);
  auto ch = make_prover_channel(ChannelMode::ZERO_KNOWLEDGE, t);
  for (const auto& group : groups_of(weights.config)) {
    const StepGraph g = group_graph(group);
    StepWitness witness;
    LayerCacheMap layers;
    std::vector<const HyraxCommitted*> stmt;
    for (size_t i = 0; i < group.size(); ++i) {
      const WTensor& w = tensor_of(weights, group[i].name, layers);
      if (PaddedShape(group[i].dims).numel() != static_cast<uint64_t>(w.numel())) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "weight check: " + group[i].name + " has the wrong shape");
      }
      witness.set_view(i, TableView(w.data));
      const auto it = commitments.find(group[i].name);
      if (it == commitments.end()) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "weight check: no commitment to " + group[i].name);
      }
      stmt.push_back(&it->second);
      hyrax_absorb(t, group[i].name, it->second.commitment);
    }
    graph_prove(*ch, g, witness, stmt, {}, threads);
  }
  return ch->take_proof();
}

Status verify_weight_check(const ModelConfig& config, const PublicCommitments& commitments,
                           std::span<const uint8_t> proof, int threads) {
  if (Status s = config.validate(); !s) return s;
  Transcript t("zklora-weight-check");
  absorb_statement(t, config);
  auto ch = make_verifier_channel(ChannelMode::ZERO_KNOWLEDGE, t, proof);
  for (const auto& group : groups_of(config)) {
    const StepGraph g = group_graph(group);
    std::vector<const HyraxCommitment*> stmt;
    for (const WeightTensorName& x : group) {
      const auto it = commitments.find(x.name);
      if (it == commitments.end()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "weight check: no commitment to " + x.name);
      }
      stmt.push_back(&it->second);
      hyrax_absorb(t, x.name, it->second);
    }
    if (Status s = graph_verify_part(*ch, g, stmt, {}, threads); !s) return s;
  }
  return ch->finish();
}

}  // namespace zklora
