// The graph of the linear backbone of the forward pass, its witness from the engine, its prover and verifier
// (linear_step.h). Shapes: T = batch * seq rows, d = d_model.
#include "zklora/step/linear_step.h"

#include <bit>
#include <memory>
#include <optional>
#include <string>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

// Quotients of every rescaling and the committed activations: signed 48 bits, past the engine's bound
// |x| < 2^act_bits, far below |Fr| / 2 for every product of the graph.
constexpr RangeSpec kQuotientRange{48, true};

// Adapter entries: the engine's bound |a| < 2^62 (docs/fixed_point.md section 1). A product of a 48-bit
// activation, a 62-bit entry and 2^24 summands stays below 2^134, far below |Fr| / 2.
constexpr RangeSpec kAdapterRange{63, true};

uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

std::string layer_name(int64_t l, const char* what) { return "layers." + std::to_string(l) + "." + what; }

// round_shift(x, s) entry by entry: what matmul_nt(x, w, s) gives, from the exact product matmul_nt(x, w, 0).
ITensor rounded(const ITensor& x, unsigned s) {
  ITensor out = x;
  for (int64_t& v : out.data) v = round_shift64(v, s);
  return out;
}

// What the prover knows while the graph is built (nullptr on the verifier's side).
struct ProverSide {
  const ModelWeights& weights;
  const AdapterTensors& adapter;
  const Batch& batch;
  StepWitness& witness;
  std::vector<std::shared_ptr<const LayerWeights>> layers;  // kept alive with the witness views
};

class Builder {
 public:
  Builder(const LinearStatement& s, ProverSide* p) : s_(s), p_(p), T_(u(s.batch * s.seq)) {}

  StepGraph& graph() { return g_; }

  size_t statement(const std::string& name, std::vector<uint64_t> dims, TableView data, bool checked = false,
                   std::optional<RangeSpec> range = {}) {
    const size_t id = g_.add_statement_tensor(name, std::move(dims), checked, range);
    if (p_) p_->witness.set_view(id, data);
    return id;
  }

  size_t proof(const std::string& name, std::vector<uint64_t> dims, std::optional<RangeSpec> range,
               const ITensor* data) {
    const size_t id = g_.add_proof_tensor(name, std::move(dims), range);
    if (p_) p_->witness.set(id, data->data);
    return id;
  }

  // y = round_shift(m P, s) with P = op(inputs): the product, its committed remainder, the range-checked output.
  size_t rescaled(const std::string& name, std::unique_ptr<Operation> product, std::vector<size_t> inputs,
                  unsigned shift, int64_t multiplier, const ITensor* p_data, const ITensor* y_data) {
    const std::vector<uint64_t> dims = product->output_dims();
    const size_t p = g_.apply(std::move(product), std::move(inputs), name + ".product");
    auto op = std::make_unique<RescaleOp>(dims, shift, multiplier);
    const size_t rem = g_.add_proof_tensor(name + ".remainder", dims, op->remainder_range());
    const size_t y = g_.apply(std::move(op), {p, rem}, name, kQuotientRange);
    if (p_) {
      p_->witness.set(rem, rescale_remainder(p_data->data, y_data->data, shift, multiplier));
      p_->witness.set(p, p_data->data);
      p_->witness.set(y, y_data->data);
    }
    return y;
  }

  // out = round_shift(x W^T, 16) + round_shift((round_shift(x A^T, 24) B^T) S, 40)  (fixed_point.md section 4).
  // x_data, eng: the engine's input and ProjectionOut (prover only).
  size_t projection(int64_t l, Projection pr, size_t x, const ITensor* x_data, const ProjectionOut* eng) {
    const auto [out_dim, in_dim] = projection_shape(s_.model, pr);
    const std::string name = layer_name(l, projection_module(pr));
    const WTensor* w = p_ ? &p_->layers[static_cast<size_t>(l)]->projection(pr) : nullptr;
    const size_t wid = statement(name, {u(out_dim), u(in_dim)}, w ? TableView(w->data) : TableView());
    std::optional<ITensor> prod, z;
    if (p_) {
      prod = matmul_nt(*x_data, *w, 0);
      z = rounded(*prod, kFixed.weight);
    }
    const size_t zid = rescaled(name + ".base", std::make_unique<MatmulOp>(T_, u(in_dim), u(out_dim), true), {x, wid},
                                kFixed.weight, 1, p_ ? &*prod : nullptr, p_ ? &*z : nullptr);
    if (!s_.lora.targets_projection(pr)) {
      if (p_ && !(*z == eng->out)) throw ZkError(ErrorCode::INVALID_ARGUMENT, name + ": engine output differs");
      return zid;
    }
    const uint64_t r = u(s_.lora.rank);
    const std::string an = "adapter." + std::to_string(l) + "." + projection_module(pr);
    const ITensor* a_w = p_ ? &p_->adapter.a_of(l, pr) : nullptr;
    const ITensor* b_w = p_ ? &p_->adapter.b_of(l, pr) : nullptr;
    const size_t aid = statement(an + ".A", {r, u(in_dim)}, a_w ? TableView(a_w->data) : TableView(), true,
                                 kAdapterRange);
    const size_t bid = statement(an + ".B", {u(out_dim), r}, b_w ? TableView(b_w->data) : TableView(), true,
                                 kAdapterRange);
    std::optional<ITensor> pa, pab, lora;
    if (p_) {
      pa = matmul_nt(*x_data, *a_w, 0);
      pab = matmul_nt(eng->a, *b_w, 0);
      lora = eng->out;
      for (int64_t i = 0; i < lora->numel(); ++i) (*lora)[i] -= (*z)[i];
    }
    const size_t a = rescaled(name + ".lora_a", std::make_unique<MatmulOp>(T_, u(in_dim), r, true), {x, aid},
                              kFixed.lora, 1, p_ ? &*pa : nullptr, p_ ? &eng->a : nullptr);
    const size_t lid = rescaled(name + ".lora", std::make_unique<MatmulOp>(T_, r, u(out_dim), true), {a, bid},
                                kFixed.lora + kFixed.unit, lora_scale_fixed(s_.lora), p_ ? &*pab : nullptr,
                                p_ ? &*lora : nullptr);
    return add(name + ".out", zid, lid, p_ ? &eng->out : nullptr);
  }

  size_t add(const std::string& name, size_t a, size_t b, const ITensor* sum) {
    const size_t id = g_.apply(std::make_unique<AddOp>(g_.tensors()[a].dims), {a, b}, name);
    if (p_) p_->witness.set(id, sum->data);
    return id;
  }

 private:
  const LinearStatement& s_;
  ProverSide* p_;
  uint64_t T_;
  StepGraph g_;
};

ITensor added(const ITensor& a, const ITensor& b) {
  ITensor out = a;
  for (int64_t i = 0; i < out.numel(); ++i) out[i] += b[i];
  return out;
}

Result<StepGraph> build(const LinearStatement& s, ProverSide* p) {
  if (Status st = s.validate(); !st) return st.error();
  try {
    Builder b(s, p);
    const ModelConfig& m = s.model;
    const uint64_t T = u(s.batch * s.seq), d = u(m.d_model);
    const bool identity = s.mode == NonLinearMode::IDENTITY;
    ITensor h;  // the residual stream (prover)
    size_t hid;
    if (s.layers_only) {
      if (p) h = embedding_rows(p->weights.embed, p->batch.tokens);
      hid = b.proof("layers.0.input", {T, d}, kQuotientRange, p ? &h : nullptr);
    } else {
      std::vector<int64_t> tokens, one_hot;
      if (p) {
        tokens.assign(p->batch.tokens.begin(), p->batch.tokens.end());
        one_hot = embedding_one_hot(p->batch.tokens, u(m.vocab_size));
      }
      const size_t tok = b.graph().add_statement_tensor("batch.tokens", {T}, true);
      const size_t oh = b.graph().add_proof_tensor("embedding.one_hot", {T, u(m.vocab_size)});
      const size_t e = b.graph().add_statement_tensor("embed", {u(m.vocab_size), d});
      hid = b.graph().apply(std::make_unique<EmbeddingOp>(T, u(m.vocab_size), d), {oh, e, tok}, "embedding.out");
      if (p) {
        h = embedding_rows(p->weights.embed, p->batch.tokens);  // the rows of E selected by the ids
        p->witness.set(tok, std::move(tokens));
        p->witness.set(oh, std::move(one_hot));
        p->witness.set_view(e, TableView(p->weights.embed.data));
        p->witness.set(hid, h.data);
      }
    }
    const int64_t scale = lora_scale_fixed(s.lora);
    std::optional<RopeTable> rope;
    std::vector<int64_t> positions;
    if (p && !identity) {
      rope = make_rope_table(s.seq, m.head_dim(), m.rope_theta);
      for (int64_t t = 0; t < s.batch * s.seq; ++t) positions.push_back(t % s.seq);
    }
    for (int64_t l = 0; l < m.n_layers; ++l) {
      LayerCache c;
      ITensor h_in = h, h_mid;
      if (p) {
        p->layers.push_back(p->weights.layer(l));
        const LayerWeights& w = *p->layers.back();
        if (identity) {
          auto proj = [&](Projection pr, const ITensor& x) {
            return projection_forward(x, w.projection(pr), p->adapter.a_of(l, pr), p->adapter.b_of(l, pr), scale);
          };
          c.norm1.y = h;
          c.q = proj(Projection::Q, h), c.k = proj(Projection::K, h), c.v = proj(Projection::V, h);
          c.attn.o = c.q.out;
          c.o = proj(Projection::O, c.attn.o);
          h_mid = added(h, c.o.out);
          c.norm2.y = h_mid;
          c.gate = proj(Projection::GATE, h_mid), c.up = proj(Projection::UP, h_mid);
          c.swiglu.h = c.up.out;
          c.down = proj(Projection::DOWN, c.swiglu.h);
          h = added(h_mid, c.down.out);
        } else {
          const LayerContext ctx{m, scale, *rope, positions,
                                 AttentionShape{s.batch, s.seq, m.n_heads, m.n_kv_heads, m.head_dim()}};
          c = layer_forward(ctx, w, p->adapter, l, h);
          h_mid = added(h_in, c.o.out);
          if (!(added(h_mid, c.down.out) == h)) throw ZkError(ErrorCode::INVALID_ARGUMENT, "residual stream differs");
        }
      }
      // Attention block: h_mid = h_in + o(attention(q(n1), k(n1), v(n1))), n1 = rmsnorm(h_in).
      const size_t n1 = identity ? hid : b.proof(layer_name(l, "attn_norm.out"), {T, d}, kQuotientRange, &c.norm1.y);
      if (!identity && b.graph().tensors()[hid].producer >= 0) b.graph().mark_boundary(hid);
      const size_t q = b.projection(l, Projection::Q, n1, &c.norm1.y, &c.q);
      const size_t k = b.projection(l, Projection::K, n1, &c.norm1.y, &c.k);
      const size_t v = b.projection(l, Projection::V, n1, &c.norm1.y, &c.v);
      b.graph().mark_boundary(k);
      b.graph().mark_boundary(v);
      if (!identity) b.graph().mark_boundary(q);
      const size_t ao = identity ? q : b.proof(layer_name(l, "attn.out"), {T, d}, kQuotientRange, &c.attn.o);
      const size_t o = b.projection(l, Projection::O, ao, &c.attn.o, &c.o);
      const size_t mid = b.add(layer_name(l, "residual.attn"), hid, o, &h_mid);
      // MLP block: h_out = h_mid + down(swiglu(gate(n2), up(n2))), n2 = rmsnorm(h_mid).
      const size_t n2 = identity ? mid : b.proof(layer_name(l, "mlp_norm.out"), {T, d}, kQuotientRange, &c.norm2.y);
      if (!identity) b.graph().mark_boundary(mid);
      const size_t gate = b.projection(l, Projection::GATE, n2, &c.norm2.y, &c.gate);
      const size_t up = b.projection(l, Projection::UP, n2, &c.norm2.y, &c.up);
      b.graph().mark_boundary(gate);
      if (!identity) b.graph().mark_boundary(up);
      const size_t sw = identity ? up
                                 : b.proof(layer_name(l, "swiglu.out"), {T, u(m.d_ffn)}, kQuotientRange, &c.swiglu.h);
      const size_t down = b.projection(l, Projection::DOWN, sw, &c.swiglu.h, &c.down);
      hid = b.add(layer_name(l, "residual.mlp"), mid, down, &h);
    }
    if (s.layers_only) {
      b.graph().mark_boundary(hid);
      return std::move(b.graph());
    }
    // Final RMSNorm (unproven unless identity), LM head: logits = round_shift(y W_lm^T, 16).
    ITensor yf, prod, logits;
    if (p) {
      yf = identity ? h : rmsnorm_forward(h, p->weights.final_norm, m.rms_eps).y;
      prod = matmul_nt(yf, p->weights.lm_head, 0);
      logits = rounded(prod, kFixed.weight);
    }
    const size_t y = identity ? hid : b.proof("final_norm.out", {T, d}, kQuotientRange, &yf);
    if (!identity) b.graph().mark_boundary(hid);
    const size_t lm = b.statement("lm_head", {u(m.vocab_size), d}, p ? TableView(p->weights.lm_head.data) : TableView());
    const size_t out = b.rescaled("logits", std::make_unique<MatmulOp>(T, d, u(m.vocab_size), true), {y, lm},
                                  kFixed.weight, 1, &prod, &logits);
    b.graph().mark_boundary(out);
    return std::move(b.graph());
  } catch (const ZkError& e) {
    if (p) throw;
    return e.error();
  }
}

void absorb_config(Transcript& t, const LinearStatement& s) {
  const ModelConfig& m = s.model;
  t.domain("linear-step-statement");
  for (const int64_t v : {m.vocab_size, m.d_model, m.n_layers, m.n_heads, m.n_kv_heads, m.d_ffn, m.max_seq,
                          m.bos_token_id, m.eos_token_id, m.pad_token_id}) {
    t.absorb_u64("model", u(v));
  }
  t.absorb_u64("model-rope-theta", std::bit_cast<uint64_t>(m.rope_theta));
  t.absorb_u64("model-rms-eps", std::bit_cast<uint64_t>(m.rms_eps));
  t.absorb_u64("model-tied", m.tie_embeddings ? 1 : 0);
  t.absorb_u64("lora-rank", u(s.lora.rank));
  t.absorb_u64("lora-alpha", std::bit_cast<uint64_t>(s.lora.alpha));
  for (const Projection pr : s.lora.targets) t.absorb_u64("lora-target", static_cast<uint64_t>(pr));
  t.absorb_u64("format-version", s.format_version);
  t.absorb_u64("batch", u(s.batch));
  t.absorb_u64("seq", u(s.seq));
  t.absorb_u64("mode", static_cast<uint64_t>(s.mode));
  t.absorb_u64("layers-only", s.layers_only ? 1 : 0);
  for (const std::string& op : s.unproven()) {
    t.absorb_bytes("unproven", std::span(reinterpret_cast<const uint8_t*>(op.data()), op.size()));
  }
}

}  // namespace

std::vector<std::string> LinearStatement::unproven() const {
  std::vector<std::string> out;
  if (mode == NonLinearMode::UNPROVEN_INPUTS) out = {"rmsnorm", "rope", "attention", "swiglu"};
  out.push_back(layers_only ? "embedding-and-lm-head" : "cross-entropy");
  return out;
}

Status LinearStatement::validate() const {
  if (Status st = model.validate(); !st) return st;
  if (Status st = lora.validate(); !st) return st;
  if (format_version != kFixedFormatVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: fixed-point format version " +
                                                       std::to_string(format_version) + " is not supported");
  }
  if (batch < 1 || seq < 1 || seq > model.max_seq || batch > (int64_t{1} << 24) / seq) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: bad batch shape");
  }
  if (mode != NonLinearMode::UNPROVEN_INPUTS && mode != NonLinearMode::IDENTITY) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: unknown mode");
  }
  if (lora_scale_fixed(lora) == 0) return make_error(ErrorCode::INVALID_ARGUMENT, "statement: LoRA scale is zero");
  return {};
}

Result<StepGraph> build_linear_graph(const LinearStatement& s) { return build(s, nullptr); }

ProverCommitments commit_adapter(const AdapterTensors& adapter, int threads) {
  ProverCommitments out;
  for (int64_t l = 0; l < adapter.n_layers; ++l) {
    for (const Projection pr : kAllProjections) {
      const ITensor& a = adapter.a_of(l, pr);
      if (a.numel() == 0) continue;
      const ITensor& b = adapter.b_of(l, pr);
      const std::string n = "adapter." + std::to_string(l) + "." + projection_module(pr);
      for (const auto& [suffix, x] : {std::pair{".A", &a}, std::pair{".B", &b}}) {
        const std::vector<uint64_t> dims{u(x->dim(0)), u(x->dim(1))};
        out.emplace(n + suffix, hyrax_commit_tensor(dims, std::span<const int64_t>(x->data), threads));
      }
    }
  }
  return out;
}

ProverCommitments commit_batch(const Batch& batch, int threads) {
  const std::vector<uint64_t> dims{batch.tokens.size()};
  ProverCommitments out;
  out.emplace("batch.tokens", hyrax_commit_tensor(dims, std::span<const int32_t>(batch.tokens), threads));
  return out;
}

PublicCommitments public_commitments(const ProverCommitments& c) {
  PublicCommitments out;
  for (const auto& [name, x] : c) out.emplace(name, x.commitment);
  return out;
}

void absorb_linear_statement(Transcript& t, const LinearStatement& s, const StepGraph& g,
                             std::span<const HyraxCommitment* const> commitments) {
  absorb_config(t, s);
  const std::vector<size_t> st = g.statement_tensors();
  t.absorb_u64("commitments", commitments.size());
  for (size_t i = 0; i < st.size() && i < commitments.size(); ++i) {
    hyrax_absorb(t, g.tensors()[st[i]].name, *commitments[i]);
  }
}

LinearWitness build_linear_witness(const LinearStatement& s, const ModelWeights& weights,
                                   const AdapterTensors& adapter, const Batch& batch) {
  if (batch.batch != s.batch || batch.seq != s.seq) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove: the batch does not have the statement's shape");
  }
  LinearWitness out;
  ProverSide side{weights, adapter, batch, out.witness, {}};
  out.graph = build(s, &side).value();
  out.layers = std::move(side.layers);
  return out;
}

std::vector<uint8_t> prove_linear_witness(const LinearStatement& s, const LinearWitness& w,
                                          const ProverCommitments& commitments, ChannelMode mode,
                                          const LinearProveOptions& options) {
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
  Transcript t("zklora-linear-step");
  absorb_linear_statement(t, s, g, pub);
  auto ch = make_prover_channel(mode, t);
  if (options.allow_false_relations) ch->allow_false_relations();
  graph_prove(*ch, g, w.witness, stmt, options.threads, options.map);
  return ch->take_proof();
}

std::vector<uint8_t> prove_linear_step(const LinearStatement& s, const ModelWeights& weights,
                                       const AdapterTensors& adapter, const Batch& batch,
                                       const ProverCommitments& commitments, ChannelMode mode, int threads,
                                       GraphProofMap* map) {
  const LinearWitness w = build_linear_witness(s, weights, adapter, batch);
  return prove_linear_witness(s, w, commitments, mode, {threads, map, false});
}

Status verify_linear_step(const LinearStatement& s, const PublicCommitments& commitments,
                          std::span<const uint8_t> proof, ChannelMode mode, int threads) {
  auto g = build_linear_graph(s);
  if (!g) return g.error();
  std::vector<const HyraxCommitment*> pub;
  for (const size_t i : g->statement_tensors()) {
    const auto it = commitments.find(g->tensors()[i].name);
    if (it == commitments.end()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "verify: no commitment to " + g->tensors()[i].name);
    }
    pub.push_back(&it->second);
  }
  Transcript t("zklora-linear-step");
  absorb_linear_statement(t, s, g.value(), pub);
  auto ch = make_verifier_channel(mode, t, proof);
  return graph_verify(*ch, g.value(), pub, threads);
}

}  // namespace zklora
