// Proving and verifying a step (step_proof.h).
#include "zklora/step/step_proof.h"

#include <map>
#include <set>
#include <type_traits>
#include <string>

#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/fixed/tables.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

constexpr std::string_view kProtocol = "zklora-step";

bool is_weight_name(const std::string& name) {
  return name == "embed" || name == "lm_head" || name == "final_norm" || name.starts_with("layers.");
}

// The views of every statement tensor the prover may bind, by name.
class StatementData {
 public:
  StatementData(const StepStatement& s, const ModelWeights& w, const AdapterTensors& a, const Batch& b,
                StepProverWitness& out)
      : s_(s), w_(w), a_(a), out_(out) {
    out_.kept.push_back(batch_tokens(b));
    views_.emplace("batch.tokens", TableView(out_.kept.back()));
    out_.kept.push_back(batch_mask(b));
    views_.emplace("batch.mask", TableView(out_.kept.back()));
    views_.emplace("embed", TableView(w.embed.data));
    views_.emplace("lm_head", TableView(w.lm_head.data));
    views_.emplace("final_norm", TableView(w.final_norm.data));
  }

  TableView get(const std::string& name) {
    if (auto it = views_.find(name); it != views_.end()) return it->second;
    if (name.starts_with("layers.")) {
      const size_t dot = name.find('.', 7);
      const int64_t l = std::stoll(name.substr(7, dot - 7));
      if (!loaded_.count(l)) {
        out_.layers.push_back(w_.layer(l));
        loaded_.insert(l);
        const LayerWeights& lw = *out_.layers.back();
        views_.emplace(layer_tensor(l, "attn_norm"), TableView(lw.attn_norm.data));
        views_.emplace(layer_tensor(l, "mlp_norm"), TableView(lw.mlp_norm.data));
        for (const Projection p : kAllProjections) {
          views_.emplace(layer_tensor(l, projection_module(p)), TableView(lw.projection(p).data));
        }
      }
    } else if (name.starts_with("adapter.")) {
      for (int64_t l = 0; l < a_.n_layers; ++l) {
        for (const Projection p : kAllProjections) {
          const std::string n = "adapter." + std::to_string(l) + "." + projection_module(p);
          if (a_.a_of(l, p).numel() == 0) continue;
          views_.emplace(n + ".A", TableView(a_.a_of(l, p).data));
          views_.emplace(n + ".B", TableView(a_.b_of(l, p).data));
        }
      }
    }
    if (auto it = views_.find(name); it != views_.end()) return it->second;
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: no data for statement tensor " + name);
  }

 private:
  const StepStatement& s_;
  const ModelWeights& w_;
  const AdapterTensors& a_;
  StepProverWitness& out_;
  std::map<std::string, TableView> views_;
  std::set<int64_t> loaded_;
};

// The tensors a LINEAR_BACKBONE (or layers_only) proof leaves to the engine: the outputs of the operations it does
// not prove, and the residual stream entering the first layer.
void bind_unproven(const StepStatement& s, const ModelWeights& weights, const AdapterTensors& adapter,
                   const Batch& batch, StepProverWitness& out) {
  const StepGraph& g = out.graph;
  const auto set = [&](const std::string& name, std::vector<int64_t> v) {
    out.witness.set(g.find(name), std::move(v));
  };
  ITensor h = embedding_rows(weights.embed, batch.tokens);
  if (s.layers_only) set("layers.0.input", h.data);
  if (s.mode != StepMode::LINEAR_BACKBONE) return;
  const ModelConfig& m = s.model;
  const RopeTable rope = make_rope_table(s.seq, m.head_dim(), m.rope_theta);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < s.batch * s.seq; ++t) positions.push_back(t % s.seq);
  const LayerContext ctx{m, lora_scale_fixed(s.lora), rope, positions,
                         AttentionShape{s.batch, s.seq, m.n_heads, m.n_kv_heads, m.head_dim()}};
  for (int64_t l = 0; l < m.n_layers; ++l) {
    const LayerCache c = layer_forward(ctx, *weights.layer(l), adapter, l, h);
    set(layer_tensor(l, "attn_norm.out"), c.norm1.y.data);
    set(layer_tensor(l, "attn.out"), c.attn.o.data);
    set(layer_tensor(l, "mlp_norm.out"), c.norm2.y.data);
    set(layer_tensor(l, "swiglu.out"), c.swiglu.h.data);
  }
  if (!s.layers_only) set("final_norm.out", rmsnorm_forward(h, weights.final_norm, m.rms_eps).y.data);
}

Transcript statement_transcript(const StepStatement& s, const StepGraph& g,
                                std::span<const HyraxCommitment* const> commitments) {
  Transcript t(kProtocol);
  s.absorb(t);
  const std::vector<size_t> st = g.statement_tensors();
  t.absorb_u64("commitments", st.size());
  for (size_t i = 0; i < st.size(); ++i) hyrax_absorb(t, g.tensors()[st[i]].name, *commitments[i]);
  return t;
}

std::vector<Fr> public_values(const StepStatement& s) {
  if (!s.has_loss()) return {};
  return {Fr::from_i64(s.loss_sum)};
}

}  // namespace

StepProverWitness build_step_witness(const StepStatement& s, const ModelWeights& weights,
                                     const AdapterTensors& adapter, const Batch& batch, int threads) {
  if (batch.batch != s.batch || batch.seq != s.seq) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the batch does not have the statement's shape");
  }
  if (!(weights.config.d_model == s.model.d_model && weights.config.n_layers == s.model.n_layers &&
        weights.config.vocab_size == s.model.vocab_size)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the model does not have the statement's configuration");
  }
  StepProverWitness out;
  out.graph = build_step_graph(s).value();
  StatementData data(s, weights, adapter, batch, out);
  for (const size_t i : out.graph.statement_tensors()) out.witness.set_view(i, data.get(out.graph.tensors()[i].name));
  bind_unproven(s, weights, adapter, batch, out);
  graph_compute_witness(out.graph, out.witness, threads);
  for (const size_t i : out.graph.public_outputs()) out.loss_sum = out.witness.data(i).visit([](const auto& v) {
    if constexpr (std::is_same_v<std::decay_t<decltype(v[0])>, Fr>) {
      return int64_t{0};
    } else {
      return static_cast<int64_t>(v[0]);
    }
  });
  return out;
}

std::vector<uint8_t> prove_step_witness(const StepStatement& s, const StepProverWitness& w,
                                        const ProverCommitments& commitments, ChannelMode mode,
                                        const StepProveOptions& options) {
  if (s.has_loss() && s.loss_sum != w.loss_sum && !options.allow_false_relations) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the statement's loss is not the witness's");
  }
  const StepGraph& g = w.graph;
  std::vector<const HyraxCommitted*> stmt;
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g.statement_tensors()) {
    const auto it = commitments.find(g.tensors()[i].name);
    if (it == commitments.end()) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: no commitment to " + g.tensors()[i].name);
    }
    stmt.push_back(&it->second);
    pub.push_back(&it->second.commitment);
  }
  Transcript t = statement_transcript(s, g, pub);
  auto ch = make_prover_channel(mode, t);
  if (options.allow_false_relations) ch->allow_false_relations();
  // A cheating prover may claim another loss than its witness's (graph_prove lets it, the verifier must not).
  graph_prove(*ch, g, w.witness, stmt, public_values(s), options.threads, options.map, options.profile);
  return ch->take_proof();
}

StepProof prove_step(StepStatement s, const ModelWeights& weights, const AdapterTensors& adapter,
                     const Batch& batch, const ProverCommitments& commitments, ChannelMode mode,
                     const StepProveOptions& options) {
  const StepProverWitness w = build_step_witness(s, weights, adapter, batch, options.threads);
  s.loss_sum = s.has_loss() ? w.loss_sum : 0;
  std::vector<uint8_t> proof = prove_step_witness(s, w, commitments, mode, options);
  return {std::move(s), std::move(proof)};
}

Status verify_step(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& commitments,
                   std::span<const uint8_t> proof, ChannelMode mode, int threads, GraphProfile* profile) {
  auto g = build_step_graph(s);
  if (!g) return g.error();
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g->statement_tensors()) {
    const std::string& name = g->tensors()[i].name;
    const PublicCommitments& from = is_weight_name(name) ? weights.tensors() : commitments;
    const auto it = from.find(name);
    if (it == from.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "verify: no commitment to " + name);
    pub.push_back(&it->second);
  }
  Transcript t = statement_transcript(s, g.value(), pub);
  auto ch = make_verifier_channel(mode, t, proof);
  return graph_verify(*ch, g.value(), pub, public_values(s), threads, profile);
}

}  // namespace zklora
