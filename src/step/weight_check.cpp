// The well-formedness proof of a base-weight commitment (weight_check.h).
#include "zklora/step/weight_check.h"

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

// Consecutive tensors of at most kGroupEntries padded entries (one larger tensor alone).
std::vector<std::vector<WeightTensor>> groups_of(const ModelConfig& c) {
  std::vector<std::vector<WeightTensor>> out;
  uint64_t entries = 0;
  for (WeightTensor& t : model_weight_tensors(c)) {
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

StepGraph group_graph(const std::vector<WeightTensor>& group) {
  StepGraph g;
  for (const WeightTensor& t : group) g.add_statement_tensor(t.key, t.dims, true, kWeightRange);
  return g;
}

void absorb_statement(Transcript& t, const ModelConfig& c) {
  t.domain("weight-check-statement");
  const std::string json = model_config_json(c);
  t.absorb_bytes("config", std::span(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
  t.absorb_u64("format-version", kFixedFormatVersion);
}

}  // namespace

std::vector<uint8_t> prove_weight_check(const ModelWeights& weights, const ProverCommitments& commitments,
                                        int threads) {
  Transcript t("zklora-weight-check");
  absorb_statement(t, weights.config);
  auto ch = make_prover_channel(ChannelMode::ZERO_KNOWLEDGE, t);
  for (const auto& group : groups_of(weights.config)) {
    const StepGraph g = group_graph(group);
    StepWitness witness;
    std::vector<std::shared_ptr<const LayerWeights>> layers(group.size());  // kept while the group is proven
    std::vector<const HyraxCommitted*> stmt;
    for (size_t i = 0; i < group.size(); ++i) {
      const std::string name = group[i].key.name();
      if (i > 0 && group[i].key.layer == group[i - 1].key.layer) layers[i] = layers[i - 1];
      const WTensor& w = weight_tensor(weights, group[i].key, layers[i]);
      if (PaddedShape(group[i].dims).numel() != static_cast<uint64_t>(w.numel())) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "weight check: " + name + " has the wrong shape");
      }
      witness.set_view(i, TableView(w.data));
      const auto it = commitments.find(name);
      if (it == commitments.end()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "weight check: no commitment to " + name);
      stmt.push_back(&it->second);
      hyrax_absorb(t, name, it->second.commitment);
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
    for (const WeightTensor& x : group) {
      const std::string name = x.key.name();
      const auto it = commitments.find(name);
      if (it == commitments.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "weight check: no commitment to " + name);
      stmt.push_back(&it->second);
      hyrax_absorb(t, name, it->second);
    }
    if (Status s = graph_verify_part(*ch, g, stmt, {}, threads); !s) return s;
  }
  return ch->finish();
}

}  // namespace zklora
