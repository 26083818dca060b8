// Proving and verifying a step as sub-proofs (step_proof.h).
#include "zklora/step/step_proof.h"

#include <algorithm>
#include <string>
#include <utility>

#include "zklora/base/timer.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/step/recipe.h"

namespace zklora {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: " + what); }

const ITensor& adapter_matrix(const AdapterTensors& t, const TensorKey& k) {
  const ITensor& x = k.is_a ? t.a_of(k.layer, k.proj) : t.b_of(k.layer, k.proj);
  if (x.numel() == 0) refuse("no adapter matrix " + k.name());
  return x;
}

ITensor& adapter_matrix(AdapterTensors& t, const TensorKey& k) {
  return const_cast<ITensor&>(adapter_matrix(static_cast<const AdapterTensors&>(t), k));
}

void check_inputs(const StepStatement& s, const StepInputs& in) {
  if (in.batch.batch != s.batch || in.batch.seq != s.seq) refuse("the batch does not have the statement's shape");
  const ModelConfig& w = in.weights.config;
  if (!(w.d_model == s.model.d_model && w.n_layers == s.model.n_layers && w.vocab_size == s.model.vocab_size)) {
    refuse("the model does not have the statement's configuration");
  }
  if (s.updates() && s.step_number > 1 && (s.has_first_moment() || s.has_second_moment()) &&
      in.optimizer == nullptr) {
    refuse("no optimizer state for a step after the first");
  }
}

// The data of a part's statement tensors that nothing in the part produces, by key.
class PartData {
 public:
  PartData(const StepInputs& in, const EnginePass& pass, const std::vector<int64_t>& one_hot, PartWitness& out)
      : in_(in), pass_(pass), one_hot_(one_hot), out_(out) {}

  TableView get(const TensorKey& k) {
    switch (k.kind) {
      case TensorKind::EMBED: return TableView(in_.weights.embed.data);
      case TensorKind::LM_HEAD: return TableView(in_.weights.lm_head.data);
      case TensorKind::FINAL_NORM: return TableView(in_.weights.final_norm.data);
      case TensorKind::PROJECTION: return TableView(layer(k.layer).projection(k.proj).data);
      case TensorKind::ATTN_NORM: return TableView(layer(k.layer).attn_norm.data);
      case TensorKind::MLP_NORM: return TableView(layer(k.layer).mlp_norm.data);
      case TensorKind::ADAPTER: return TableView(adapter_matrix(in_.adapter, k).data);
      case TensorKind::MOMENT_M:
      case TensorKind::MOMENT_V:
        if (in_.optimizer == nullptr) refuse("no optimizer state for " + k.name());
        return TableView(adapter_matrix(k.kind == TensorKind::MOMENT_M ? in_.optimizer->m : in_.optimizer->v, k).data);
      case TensorKind::BATCH_TOKENS: return keep(batch_tokens(in_.batch));
      case TensorKind::BATCH_TARGETS: return keep(batch_targets(in_.batch));
      case TensorKind::ONE_HOT: return TableView(one_hot_);
      case TensorKind::RESIDUAL:
      case TensorKind::RESIDUAL_GRAD:
      case TensorKind::ADAPTER_GRAD: {
        const auto it = pass_.cuts.find(k);
        if (it == pass_.cuts.end()) refuse("the engine's pass has no " + k.name());
        return TableView(it->second);
      }
      default: refuse(k.name() + " is an output of the step, not an input");
    }
  }

 private:
  const StepInputs& in_;
  const EnginePass& pass_;
  const std::vector<int64_t>& one_hot_;
  PartWitness& out_;
  std::shared_ptr<const LayerWeights> layer_;

  const LayerWeights& layer(int64_t l) {
    if (!layer_) {
      layer_ = in_.weights.layer(l);
      out_.layers.push_back(layer_);
    }
    return *layer_;
  }
  TableView keep(std::vector<int64_t> v) {
    out_.kept.push_back(std::move(v));
    return TableView(out_.kept.back());
  }
};

std::vector<Fr> public_values(const StepStatement& s, PartId part) {
  if (part.kind != PartKind::HEAD || !s.has_loss()) return {};
  if (s.updates()) return {Fr::from_i64(s.loss_sum), Fr::from_i64(s.count)};
  return {Fr::from_i64(s.loss_sum)};
}

// A part's transcript after the commitments its graph reads from the statement.
Transcript part_statement_transcript(const Transcript& step, PartId part, const StepGraph& g,
                                     std::span<const HyraxCommitment* const> commitments) {
  Transcript t = part_transcript(step, part);
  const std::vector<size_t> st = g.statement_tensors();
  t.absorb_u64("commitments", st.size());
  for (size_t i = 0; i < st.size(); ++i) hyrax_absorb(t, g.tensors()[st[i]].name, *commitments[i]);
  return t;
}

Error in_part(const Error& e, PartId part) { return Error{e.code, part.name() + ": " + e.message}; }

}  // namespace

int64_t batch_count(const Batch& batch) {
  int64_t n = 0;
  for (const int32_t t : batch.targets) n += t >= 0;
  return n;
}

EnginePass engine_pass(const StepStatement& s, const StepInputs& in) {
  check_inputs(s, in);
  const ModelConfig& m = s.model;
  EnginePass p;
  if (s.updates()) {
    StepStreams st;
    const StepResult r = forward_backward(in.weights, in.adapter, in.batch, st);
    for (int64_t l = 0; l <= m.n_layers; ++l) p.cuts[TensorKey::residual(l)] = std::move(st.h[static_cast<size_t>(l)].data);
    for (int64_t l = 1; l <= m.n_layers; ++l) {
      p.cuts[TensorKey::residual_grad(l)] = std::move(st.dh[static_cast<size_t>(l)].data);
    }
    for (int64_t l = 0; l < m.n_layers; ++l) {
      for (const Projection pr : s.lora.targets) {
        for (const bool is_a : {true, false}) {
          const TensorKey k = TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, pr, is_a);
          p.cuts[k] = adapter_matrix(r.grads, k).data;
        }
      }
    }
    p.loss_sum = r.loss_sum;
    p.count = r.count;
    if (r.count == 0) refuse("the batch has no token to predict");
    p.adapter = in.adapter;
    p.optimizer = in.optimizer ? *in.optimizer : OptimizerState::zeros_for(in.adapter, s.optimizer);
    p.optimizer.step = s.step_number - 1;
    optimizer_step(s.optimizer, p.adapter, p.optimizer, r.grads, r.count);
    return p;
  }
  const RopeTable rope = make_rope_table(s.seq, m.head_dim(), m.rope_theta);
  std::vector<int64_t> positions;
  for (int64_t t = 0; t < s.batch * s.seq; ++t) positions.push_back(t % s.seq);
  const LayerContext ctx{m, lora_scale_fixed(s.lora), rope, positions,
                         AttentionShape{s.batch, s.seq, m.n_heads, m.n_kv_heads, m.head_dim()}};
  ITensor h = embedding_rows(in.weights.embed, in.batch.tokens);
  for (int64_t l = 0; l < m.n_layers; ++l) {
    p.cuts[TensorKey::residual(l)] = h.data;
    (void)layer_forward(ctx, *in.weights.layer(l), in.adapter, l, h);
  }
  if (s.has_loss()) {
    const ITensor logits = matmul_nt(rmsnorm_forward(h, in.weights.final_norm, m.rms_eps).y, in.weights.lm_head,
                                     kFixed.weight);
    const CrossEntropyOut ce = cross_entropy(logits, in.batch.targets);
    p.loss_sum = ce.loss_sum;
    p.count = ce.count;
  }
  p.cuts[TensorKey::residual(m.n_layers)] = std::move(h.data);
  return p;
}

// ---- Prover ----------------------------------------------------------------------------------------------------

StepProver::StepProver(StepStatement s, const StepInputs& in, const ProverCommitments& commitments, ChannelMode mode,
                       int threads)
    : s_(std::move(s)), in_(in), commitments_(commitments), mode_(mode), transcript_("zklora-step") {
  check_inputs(s_, in_);
  if (s_.updates()) s_.count = batch_count(in_.batch);  // a public output, but the statement must validate first
  plan_ = step_plan(s_);
  Stopwatch sw;
  pass_ = engine_pass(s_, in_);
  engine_s_ = sw.seconds();
  commit_all(threads);
}

StepProver::StepProver(StepStatement s, const StepInputs& in, EnginePass pass, const ProverCommitments& commitments,
                       ChannelMode mode, int threads)
    : s_(std::move(s)), in_(in), commitments_(commitments), mode_(mode), pass_(std::move(pass)),
      transcript_("zklora-step") {
  check_inputs(s_, in_);
  if (s_.updates()) s_.count = batch_count(in_.batch);
  plan_ = step_plan(s_);
  commit_all(threads);
}

void StepProver::commit_all(int threads) {
  Stopwatch sw;
  if (s_.has_loss()) {
    s_.loss_sum = pass_.loss_sum;
    if (s_.updates()) s_.count = pass_.count;
  }
  if (Status st = s_.validate(); !st) throw ZkError(st.error());
  one_hot_ = embedding_one_hot(batch_tokens(in_.batch), static_cast<uint64_t>(s_.model.vocab_size));
  header_.clear();
  for (const CutSpec& c : plan_.cuts) {
    const std::vector<int64_t>* v = expected(c.key);
    if (v == nullptr) refuse("the engine's pass has no " + c.key.name());
    auto [it, fresh] = cuts_.insert_or_assign(c.key, hyrax_commit_tensor(c.dims, std::span<const int64_t>(*v), threads));
    header_.emplace_back(c.key.name(), it->second.commitment);
  }
  outputs_ = StepOutputs{};
  if (s_.updates()) {
    outputs_.adapter = pass_.adapter;
    outputs_.optimizer = pass_.optimizer;
    outputs_.commitments = commit_adapter(outputs_.adapter, threads);
    ProverCommitments next;
    for (auto& [name, c] : outputs_.commitments) next.emplace(std::string(kNextPrefix) + name, std::move(c));
    outputs_.commitments = std::move(next);
    StepStatement after = s_;
    after.step_number = s_.step_number + 1;  // the state the next step reads
    for (auto& [name, c] : commit_optimizer_state(after, outputs_.optimizer, threads)) {
      outputs_.commitments.emplace(std::string(kNextPrefix) + name, std::move(c));
    }
  }
  transcript_ = step_transcript(s_, plan_, header_).value();
  header_s_ = sw.seconds();
}

const std::vector<int64_t>* StepProver::expected(const TensorKey& k) const {
  switch (k.kind) {
    case TensorKind::ONE_HOT: return &one_hot_;
    case TensorKind::NEXT_ADAPTER: return &adapter_matrix(pass_.adapter, k.as(TensorKind::ADAPTER)).data;
    case TensorKind::NEXT_MOMENT_M: return &adapter_matrix(pass_.optimizer.m, k.as(TensorKind::ADAPTER)).data;
    case TensorKind::NEXT_MOMENT_V: return &adapter_matrix(pass_.optimizer.v, k.as(TensorKind::ADAPTER)).data;
    default: {
      const auto it = pass_.cuts.find(k);
      return it == pass_.cuts.end() ? nullptr : &it->second;
    }
  }
}

const HyraxCommitted* StepProver::commitment(const GraphTensor& t) const {
  if (t.key && t.key->is_cut()) {
    const auto it = cuts_.find(*t.key);
    return it == cuts_.end() ? nullptr : &it->second;
  }
  for (const ProverCommitments* m : {&commitments_, &outputs_.commitments}) {
    if (const auto it = m->find(t.name); it != m->end()) return &it->second;
  }
  return nullptr;
}

PartWitness StepProver::witness(size_t k, int threads) const {
  if (k >= plan_.parts.size()) refuse("no part " + std::to_string(k));
  PartWitness out;
  out.index = k;
  out.part = plan_.parts[k];
  StepGraph full = build_full_part_graph(s_, out.part).value();
  auto w = std::make_unique<StepWitness>();
  PartData data(in_, pass_, one_hot_, out);
  for (const size_t i : full.statement_tensors()) {
    const GraphTensor& t = full.tensors()[i];
    if (t.producer < 0) w->set_view(i, data.get(*t.key));
  }
  graph_compute_witness(full, *w, threads);
  // The part's cuts and outputs must be what the engine computed and the header committed.
  for (const size_t i : full.statement_tensors()) {
    const GraphTensor& t = full.tensors()[i];
    if (t.producer < 0) continue;
    const std::vector<int64_t>* want = expected(*t.key);
    if (want == nullptr || view_to_i64(w->data(i)) != *want) {
      refuse(out.part.name() + ": " + t.name + " differs from the engine's");
    }
  }
  std::vector<size_t> full_id;
  out.graph = proven_part_graph(s_, std::move(full), &full_id);
  if (s_.mode == StepMode::LINEAR_BACKBONE) {
    // The proven graph's tensors are views of the full graph's witness (its operations moved into the proven graph).
    for (size_t i = 0; i < full_id.size(); ++i) out.witness.set_view(i, w->data(full_id[i]));
    out.full_witness = std::move(w);
  } else {
    out.witness = std::move(*w);
  }
  return out;
}

std::vector<uint8_t> StepProver::prove(const PartWitness& w, const StepProveOptions& options) const {
  const StepGraph& g = w.graph;
  std::vector<const HyraxCommitted*> stmt;
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g.statement_tensors()) {
    const HyraxCommitted* c = commitment(g.tensors()[i]);
    if (c == nullptr) refuse("no commitment to " + g.tensors()[i].name);
    stmt.push_back(c);
    pub.push_back(&c->commitment);
  }
  Transcript t = part_statement_transcript(transcript_, w.part, g, pub);
  auto ch = make_prover_channel(mode_, t);
  if (options.allow_false_relations) ch->allow_false_relations();
  // A sub-proof read for another part, step or run fails here, before anything of its graph is read.
  ch->sync("part");
  try {
    graph_prove(*ch, g, w.witness, stmt, public_values(s_, w.part), options.threads, options.map, options.profile);
  } catch (const ZkError& e) {
    throw ZkError(in_part(e.error(), w.part));
  }
  return ch->take_proof();
}

std::vector<uint8_t> StepProver::prove(size_t k, const StepProveOptions& options) const {
  return prove(witness(k, options.threads), options);
}

void StepProver::replace_committed(const TensorKey& key, std::vector<int64_t> values, int threads) {
  const std::vector<int64_t>* now = expected(key);
  if (now == nullptr || key.kind == TensorKind::ONE_HOT) refuse(key.name() + " is neither a cut nor an output");
  if (values.size() != now->size()) refuse(key.name() + ": " + std::to_string(values.size()) + " entries, not " +
                                           std::to_string(now->size()));
  if (values == *now) return;
  if (key.is_cut()) {
    pass_.cuts[key] = std::move(values);
    const auto spec = std::find_if(plan_.cuts.begin(), plan_.cuts.end(), [&](const CutSpec& c) { return c.key == key; });
    HyraxCommitted& c = cuts_.at(key) =
        hyrax_commit_tensor(spec->dims, std::span<const int64_t>(pass_.cuts.at(key)), threads);
    header_[static_cast<size_t>(spec - plan_.cuts.begin())].second = c.commitment;
    transcript_ = step_transcript(s_, plan_, header_).value();
    return;
  }
  const TensorKey matrix = key.as(TensorKind::ADAPTER);
  AdapterTensors& into = key.kind == TensorKind::NEXT_ADAPTER    ? pass_.adapter
                         : key.kind == TensorKind::NEXT_MOMENT_M ? pass_.optimizer.m
                                                                 : pass_.optimizer.v;
  ITensor& t = adapter_matrix(into, matrix);
  t.data = std::move(values);
  AdapterTensors& shown = key.kind == TensorKind::NEXT_ADAPTER    ? outputs_.adapter
                          : key.kind == TensorKind::NEXT_MOMENT_M ? outputs_.optimizer.m
                                                                  : outputs_.optimizer.v;
  adapter_matrix(shown, matrix).data = t.data;
  const std::vector<uint64_t> dims{static_cast<uint64_t>(t.dim(0)), static_cast<uint64_t>(t.dim(1))};
  outputs_.commitments.insert_or_assign(key.name(),
                                        hyrax_commit_tensor(dims, std::span<const int64_t>(t.data), threads));
}

uint64_t StepProofData::bytes() const {
  uint64_t n = 0;
  for (const auto& [name, c] : header) n += c.byte_size();
  for (const std::vector<uint8_t>& p : parts) n += p.size();
  return n;
}

StepProof prove_step(StepStatement s, const StepInputs& inputs, const ProverCommitments& commitments,
                     ChannelMode mode, const StepProveOptions& options) {
  const StepProver prover(std::move(s), inputs, commitments, mode, options.threads);
  StepProof out;
  out.statement = prover.statement();
  out.proof.header = prover.header();
  GraphProfile total;
  for (size_t k = 0; k < prover.plan().parts.size(); ++k) {
    GraphProfile prof;
    StepProveOptions o = options;
    o.profile = &prof;
    out.proof.parts.push_back(prover.prove(k, o));
    add_profile(total, prof);
  }
  if (options.profile) *options.profile = total;
  out.outputs = prover.outputs();
  return out;
}

// ---- Verifier --------------------------------------------------------------------------------------------------

Result<StepVerifier> StepVerifier::make(const StepStatement& s, const WeightCommitment& weights,
                                        const DataCommitment* data, const PublicCommitments& commitments,
                                        std::vector<NamedCommitment> header) {
  if (Status st = s.validate(); !st) return st.error();
  StepVerifier v;
  v.s_ = s;
  v.plan_ = step_plan(s);
  auto t = step_transcript(s, v.plan_, header);
  if (!t) return t.error();
  v.transcript_ = std::move(t.value());
  for (const auto& [name, c] : commitments) {
    if (!name.starts_with("batch.") || !s.on_data()) v.commitments_.emplace(name, c);
  }
  for (const auto& [name, c] : weights.tensors()) v.commitments_.insert_or_assign(name, c);
  for (auto& [name, c] : header) v.commitments_.insert_or_assign(name, std::move(c));
  if (s.on_data()) {
    if (data == nullptr) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the statement's batch is rows of a data set; its "
                                                     "commitment is needed");
    }
    if (data_digest(*data) != s.data_digest || data->examples() != s.data_examples) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the data commitment is not the one the statement names");
    }
    if (data->seq != s.seq || data->vocab != s.model.vocab_size || data->format_version != s.format_version) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the data commitment was made for another sequence "
                                                     "length, vocabulary or fixed-point format");
    }
    auto batch = data_batch_commitments(*data, s.batch_indices);
    if (!batch) return batch.error();
    for (auto& [name, c] : batch.value()) v.commitments_.insert_or_assign(name, std::move(c));
  } else if (data != nullptr) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "verify: the statement names no data set (no batch indices)");
  }
  return v;
}

Status StepVerifier::verify(size_t k, std::span<const uint8_t> proof, ChannelMode mode, int threads,
                            GraphProfile* profile) const {
  if (k >= plan_.parts.size()) {
    return make_error(ErrorCode::SUBPROOF_MISMATCH, "the step has no sub-proof " + std::to_string(k));
  }
  const PartId part = plan_.parts[k];
  auto g = build_part_graph(s_, part);
  if (!g) return in_part(g.error(), part);
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g->statement_tensors()) {
    const std::string& name = g->tensors()[i].name;
    const auto it = commitments_.find(name);
    if (it == commitments_.end()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, part.name() + ": no commitment to " + name);
    }
    pub.push_back(&it->second);
  }
  Transcript t = part_statement_transcript(transcript_, part, g.value(), pub);
  auto ch = make_verifier_channel(mode, t, proof);
  if (Status st = ch->sync("part"); !st) return in_part(st.error(), part);
  if (Status st = graph_verify(*ch, g.value(), pub, public_values(s_, part), threads, profile); !st) {
    return in_part(st.error(), part);
  }
  return {};
}

namespace {

Status verify_all(const StepStatement& s, const WeightCommitment& weights, const DataCommitment* data,
                  const PublicCommitments& commitments, const StepProofData& proof, ChannelMode mode, int threads,
                  GraphProfile* profile) {
  auto v = StepVerifier::make(s, weights, data, commitments, proof.header);
  if (!v) return v.error();
  if (proof.parts.size() != v->plan().parts.size()) {
    return make_error(ErrorCode::SUBPROOF_MISMATCH, std::to_string(proof.parts.size()) + " sub-proofs for a step of " +
                                                        std::to_string(v->plan().parts.size()));
  }
  GraphProfile total;
  for (size_t k = 0; k < proof.parts.size(); ++k) {
    GraphProfile prof;
    if (Status st = v->verify(k, proof.parts[k], mode, threads, &prof); !st) return st;
    add_profile(total, prof);
  }
  if (profile) *profile = total;
  return {};
}

}  // namespace

Status verify_step(const StepStatement& s, const WeightCommitment& weights, const PublicCommitments& commitments,
                   const StepProofData& proof, ChannelMode mode, int threads, GraphProfile* profile) {
  return verify_all(s, weights, nullptr, commitments, proof, mode, threads, profile);
}

Status verify_step(const StepStatement& s, const WeightCommitment& weights, const DataCommitment& data,
                   const PublicCommitments& commitments, const StepProofData& proof, ChannelMode mode, int threads,
                   GraphProfile* profile) {
  return verify_all(s, weights, &data, commitments, proof, mode, threads, profile);
}

void add_profile(GraphProfile& into, const GraphProfile& p) {
  into.commitments_s += p.commitments_s;
  into.padding_s += p.padding_s;
  into.range_s += p.range_s;
  into.lookups_s += p.lookups_s;
  into.operations_s += p.operations_s;
  into.openings_s += p.openings_s;
  for (const auto& [k, v] : p.by_operation_s) into.by_operation_s[k] += v;
  into.commitments_bytes += p.commitments_bytes;
  into.padding_bytes += p.padding_bytes;
  into.range_bytes += p.range_bytes;
  into.lookups_bytes += p.lookups_bytes;
  into.operations_bytes += p.operations_bytes;
  into.openings_bytes += p.openings_bytes;
}

}  // namespace zklora
