// Proving and verifying a step (step_proof.h).
#include "zklora/step/step_proof.h"

#include <map>
#include <set>
#include <string>

#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
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
  StatementData(const StepInputs& in, StepProverWitness& out)
      : w_(in.weights), a_(in.adapter), state_(in.optimizer), out_(out) {
    const ModelWeights& w = in.weights;
    const Batch& b = in.batch;
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
      add_adapter_like(a_, "");
    } else if (name.starts_with("optimizer.") && state_ != nullptr) {
      add_adapter_like(state_->m, "optimizer.m.");
      add_adapter_like(state_->v, "optimizer.v.");
    }
    if (auto it = views_.find(name); it != views_.end()) return it->second;
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: no data for statement tensor " + name);
  }

 private:
  const ModelWeights& w_;
  const AdapterTensors& a_;
  const OptimizerState* state_;
  StepProverWitness& out_;

  void add_adapter_like(const AdapterTensors& t, const std::string& prefix) {
    for (int64_t l = 0; l < t.n_layers; ++l) {
      for (const Projection p : kAllProjections) {
        if (t.a_of(l, p).numel() == 0) continue;
        views_.emplace(prefix + adapter_tensor_name(l, p, true), TableView(t.a_of(l, p).data));
        views_.emplace(prefix + adapter_tensor_name(l, p, false), TableView(t.b_of(l, p).data));
      }
    }
  }
  std::map<std::string, TableView> views_;
  std::set<int64_t> loaded_;
};

// The tensors a LINEAR_BACKBONE (or layers_only) proof leaves to the engine: the outputs of the operations it does
// not prove, and the residual stream entering the first layer.
void bind_unproven(const StepStatement& s, const StepInputs& in, StepProverWitness& out) {
  const ModelWeights& weights = in.weights;
  const AdapterTensors& adapter = in.adapter;
  const StepGraph& g = out.graph;
  const auto set = [&](const std::string& name, std::vector<int64_t> v) {
    out.witness.set(g.find(name), std::move(v));
  };
  ITensor h = embedding_rows(weights.embed, in.batch.tokens);
  if (s.layers_only) set("layers.0.input", h.data);
  const ModelConfig& m = s.model;
  const RopeTable rope = make_rope_table(s.seq, m.head_dim(), m.rope_theta);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < s.batch * s.seq; ++t) positions.push_back(t % s.seq);
  const LayerContext ctx{m, lora_scale_fixed(s.lora), rope, positions,
                         AttentionShape{s.batch, s.seq, m.n_heads, m.n_kv_heads, m.head_dim()}};
  if (s.layers_only && s.updates()) {
    // The gradient at the layers' output: given, or from the engine's head and loss (not part of such a proof).
    if (in.output_gradient != nullptr) {
      if (in.output_gradient->shape != std::vector<int64_t>{s.batch * s.seq, m.d_model}) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the output gradient does not have the batch's shape");
      }
      set("layers.output_grad", in.output_gradient->data);
      return;
    }
    for (int64_t l = 0; l < m.n_layers; ++l) layer_forward(ctx, *weights.layer(l), adapter, l, h);
    const RmsNormOut fn = rmsnorm_forward(h, weights.final_norm, m.rms_eps);
    const CrossEntropyOut ce = cross_entropy(matmul_nt(fn.y, weights.lm_head, kFixed.weight), in.batch.targets);
    set("layers.output_grad",
        rmsnorm_backward(fn, weights.final_norm, matmul_nn(ce.d_logits, weights.lm_head, kFixed.weight)).data);
    return;
  }
  if (s.mode != StepMode::LINEAR_BACKBONE) return;
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
  if (s.updates()) return {Fr::from_i64(s.loss_sum), Fr::from_i64(s.count)};
  return {Fr::from_i64(s.loss_sum)};
}

}  // namespace

StepProverWitness build_step_witness(const StepStatement& s, const StepInputs& in, int threads) {
  const ModelWeights& weights = in.weights;
  const Batch& batch = in.batch;
  if (batch.batch != s.batch || batch.seq != s.seq) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the batch does not have the statement's shape");
  }
  if (!(weights.config.d_model == s.model.d_model && weights.config.n_layers == s.model.n_layers &&
        weights.config.vocab_size == s.model.vocab_size)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the model does not have the statement's configuration");
  }
  if (s.updates() && s.step_number > 1 && (s.has_first_moment() || s.has_second_moment()) &&
      in.optimizer == nullptr) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: no optimizer state for a step after the first");
  }
  StepProverWitness out;
  out.graph = build_step_graph(s).value();
  StatementData data(in, out);
  for (const size_t i : out.graph.statement_tensors()) {
    if (out.graph.tensors()[i].producer < 0) out.witness.set_view(i, data.get(out.graph.tensors()[i].name));
  }
  bind_unproven(s, in, out);
  graph_compute_witness(out.graph, out.witness, threads);
  const std::vector<size_t> pub = out.graph.public_outputs();
  if (!pub.empty()) out.loss_sum = view_to_i64(out.witness.data(pub[0]))[0];
  if (pub.size() > 1) out.count = view_to_i64(out.witness.data(pub[1]))[0];
  return out;
}

std::vector<uint8_t> prove_step_witness(const StepStatement& s, const StepProverWitness& w,
                                        const ProverCommitments& commitments, ChannelMode mode,
                                        const StepProveOptions& options, const ProverCommitments* outputs) {
  if (s.has_loss() && s.loss_sum != w.loss_sum && !options.allow_false_relations) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the statement's loss is not the witness's");
  }
  if (s.has_loss() && s.updates() && s.count != w.count && !options.allow_false_relations) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the statement's number of targets is not the witness's");
  }
  const StepGraph& g = w.graph;
  std::vector<const HyraxCommitted*> stmt;
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g.statement_tensors()) {
    const std::string& name = g.tensors()[i].name;
    const HyraxCommitted* c = nullptr;
    if (const auto it = commitments.find(name); it != commitments.end()) {
      c = &it->second;
    } else if (outputs != nullptr) {
      if (const auto jt = outputs->find(name); jt != outputs->end()) c = &jt->second;
    }
    if (c == nullptr) throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: no commitment to " + name);
    stmt.push_back(c);
    pub.push_back(&c->commitment);
  }
  Transcript t = statement_transcript(s, g, pub);
  auto ch = make_prover_channel(mode, t);
  if (options.allow_false_relations) ch->allow_false_relations();
  // A cheating prover may claim another loss than its witness's (graph_prove lets it, the verifier must not).
  graph_prove(*ch, g, w.witness, stmt, public_values(s), options.threads, options.map, options.profile);
  return ch->take_proof();
}

int64_t batch_count(const Batch& batch) {
  int64_t n = 0;
  for (const int32_t t : batch.targets) n += t >= 0;
  return n;
}

StepOutputs step_outputs(const StepStatement& s, const StepProverWitness& w, const AdapterTensors& adapter,
                         int threads) {
  if (!s.updates()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "step outputs of a proof without update");
  StepOutputs out;
  out.adapter = AdapterTensors::zeros_like(adapter);
  out.optimizer.step = s.step_number;
  out.optimizer.m = AdapterTensors::zeros_like(adapter);
  out.optimizer.v = AdapterTensors::zeros_like(adapter);
  const std::string next(kNextPrefix);
  const auto take = [&](const std::string& name, ITensor& into) {
    const size_t id = w.graph.find(name);
    into.data = view_to_i64(w.witness.data(id));
    const std::vector<uint64_t>& dims = w.graph.tensors()[id].dims;
    out.commitments.emplace(name, hyrax_commit_tensor(dims, std::span<const int64_t>(into.data), threads));
  };
  for (int64_t l = 0; l < adapter.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      if (adapter.a_of(l, p).numel() == 0) continue;
      for (const bool is_a : {true, false}) {
        const std::string n = adapter_tensor_name(l, p, is_a);
        const auto pick = [&](AdapterTensors& t) -> ITensor& { return is_a ? t.a_of(l, p) : t.b_of(l, p); };
        take(next + n, pick(out.adapter));
        if (s.has_first_moment()) take(next + "optimizer.m." + n, pick(out.optimizer.m));
        if (s.has_second_moment()) take(next + "optimizer.v." + n, pick(out.optimizer.v));
      }
    }
  }
  return out;
}

StepProof prove_step(StepStatement s, const StepInputs& inputs, const ProverCommitments& commitments,
                     ChannelMode mode, const StepProveOptions& options) {
  if (s.updates()) s.count = batch_count(inputs.batch);
  const StepProverWitness w = build_step_witness(s, inputs, options.threads);
  s.loss_sum = s.has_loss() ? w.loss_sum : 0;
  StepProof out;
  if (s.updates()) out.outputs = step_outputs(s, w, inputs.adapter, options.threads);
  out.proof = prove_step_witness(s, w, commitments, mode, options, s.updates() ? &out.outputs.commitments : nullptr);
  out.statement = std::move(s);
  return out;
}

namespace {

Status verify_step_with(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& batch,
                        const PublicCommitments& commitments, std::span<const uint8_t> proof, ChannelMode mode,
                        int threads, GraphProfile* profile) {
  auto g = build_step_graph(s);
  if (!g) return g.error();
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g->statement_tensors()) {
    const std::string& name = g->tensors()[i].name;
    const bool from_data = s.on_data() && name.starts_with("batch.");
    const PublicCommitments& from = is_weight_name(name) ? weights.tensors() : from_data ? batch : commitments;
    const auto it = from.find(name);
    if (it == from.end()) return make_error(ErrorCode::INVALID_ARGUMENT, "verify: no commitment to " + name);
    pub.push_back(&it->second);
  }
  Transcript t = statement_transcript(s, g.value(), pub);
  auto ch = make_verifier_channel(mode, t, proof);
  return graph_verify(*ch, g.value(), pub, public_values(s), threads, profile);
}

}  // namespace

Status verify_step(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& commitments,
                   std::span<const uint8_t> proof, ChannelMode mode, int threads, GraphProfile* profile) {
  if (s.on_data()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the statement's batch is rows of a data set; its "
                                                   "commitment is needed");
  }
  return verify_step_with(s, weights, {}, commitments, proof, mode, threads, profile);
}

Status verify_step(const StepStatement& s, const WeightCommitment& weights, const DataCommitment& data,
                   const PublicCommitments& commitments, std::span<const uint8_t> proof, ChannelMode mode,
                   int threads, GraphProfile* profile) {
  if (!s.on_data()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the statement names no data set (no batch indices)");
  }
  if (data_digest(data) != s.data_digest || data.examples() != s.data_examples) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the data commitment is not the one the statement names");
  }
  if (data.seq != s.seq || data.vocab != s.model.vocab_size || data.format_version != s.format_version) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the data commitment was made for another sequence "
                                                   "length, vocabulary or fixed-point format");
  }
  auto batch = data_batch_commitments(data, s.batch_indices);
  if (!batch) return batch.error();
  return verify_step_with(s, weights, batch.value(), commitments, proof, mode, threads, profile);
}

}  // namespace zklora
