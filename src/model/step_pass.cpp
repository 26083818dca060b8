// One training step's forward pass, loss and backward pass in fixed point (llama.h, docs/fixed_point.md
// section 5). Shapes: T = batch * seq token rows, d = d_model, hd = head_dim.
#include <memory>
#include <string>

#include "zklora/base/error.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"
#include "zklora/fixed/nn.h"
#include "zklora/model/llama.h"

namespace zklora {
namespace {

// acc += x, refusing sums past `bits` (the residual stream at act_bits, gradients at grad_bits).
void add_into(ITensor& acc, const ITensor& x, unsigned bits, const char* what) {
  for (int64_t i = 0; i < acc.numel(); ++i) {
    acc[i] += x[i];
    check_bits(acc[i], bits, what);
  }
}

ProjectionOut project(const ITensor& y, const LayerWeights& w, const AdapterTensors& ad, int64_t layer, Projection p,
                      int64_t scale) {
  return projection_forward(y, w.projection(p), ad.a_of(layer, p), ad.b_of(layer, p), scale);
}

// The projection's adapter gradients into grads, its input-gradient terms into dy (when non-null).
void project_back(const ITensor& y, const LayerWeights& w, const AdapterTensors& ad, int64_t layer, Projection p,
                  int64_t scale, const ProjectionOut& fwd, const ITensor& dout, AdapterTensors& grads,
                  InputGradient* dy) {
  ProjectionGrad g = projection_backward(y, w.projection(p), ad.a_of(layer, p), ad.b_of(layer, p), scale, fwd.a, dout, dy);
  if (ad.a_of(layer, p).numel() != 0) {
    grads.a_of(layer, p) = std::move(g.d_a);
    grads.b_of(layer, p) = std::move(g.d_b);
  }
}

// The input gradient of projections ps reading y (rows x width): one sum, rounded once (fixed/nn.h).
InputGradient gradient_sum(const ITensor& y, const AdapterTensors& ad, int64_t layer, std::initializer_list<Projection> ps) {
  bool adapted = false;
  for (const Projection p : ps) adapted = adapted || ad.a_of(layer, p).numel() != 0;
  return InputGradient(y.shape[0], y.shape[1], adapted);
}

}  // namespace

LayerCache layer_forward(const LayerContext& ctx, const LayerWeights& w, const AdapterTensors& adapter, int64_t l,
                         ITensor& h) {
  const ModelConfig& cfg = ctx.config;
  const int64_t scale = ctx.lora_scale;
  LayerCache c;
  c.norm1 = rmsnorm_forward(h, w.attn_norm, cfg.rms_eps);
  c.q = project(c.norm1.y, w, adapter, l, Projection::Q, scale);
  c.k = project(c.norm1.y, w, adapter, l, Projection::K, scale);
  c.v = project(c.norm1.y, w, adapter, l, Projection::V, scale);
  c.q_rot = rope_forward(c.q.out, cfg.n_heads, ctx.rope, ctx.positions);
  c.k_rot = rope_forward(c.k.out, cfg.n_kv_heads, ctx.rope, ctx.positions);
  c.attn = attention_forward(ctx.attention, c.q_rot, c.k_rot, c.v.out);
  c.o = project(c.attn.o, w, adapter, l, Projection::O, scale);
  add_into(h, c.o.out, kFixed.act_bits, "residual stream");
  c.norm2 = rmsnorm_forward(h, w.mlp_norm, cfg.rms_eps);
  c.gate = project(c.norm2.y, w, adapter, l, Projection::GATE, scale);
  c.up = project(c.norm2.y, w, adapter, l, Projection::UP, scale);
  c.swiglu = swiglu_forward(c.gate.out, c.up.out);
  c.down = project(c.swiglu.h, w, adapter, l, Projection::DOWN, scale);
  add_into(h, c.down.out, kFixed.act_bits, "residual stream");
  return c;
}

ITensor layer_backward(const LayerContext& ctx, const LayerWeights& w, const AdapterTensors& adapter, int64_t l,
                       const LayerCache& c, ITensor dh, AdapterTensors& grads, bool input_gradient) {
  const ModelConfig& cfg = ctx.config;
  const int64_t scale = ctx.lora_scale;
  // MLP block: h_out = h_mid + down(swiglu(gate(n2), up(n2))), n2 = rmsnorm(h_mid)
  InputGradient d_sw = gradient_sum(c.swiglu.h, adapter, l, {Projection::DOWN});
  project_back(c.swiglu.h, w, adapter, l, Projection::DOWN, scale, c.down, dh, grads, &d_sw);
  ITensor d_gate, d_up;
  swiglu_backward(c.gate.out, c.up.out, c.swiglu, d_sw.round("SwiGLU output gradient"), d_gate, d_up);
  InputGradient d_n2 = gradient_sum(c.norm2.y, adapter, l, {Projection::GATE, Projection::UP});
  project_back(c.norm2.y, w, adapter, l, Projection::GATE, scale, c.gate, d_gate, grads, &d_n2);
  project_back(c.norm2.y, w, adapter, l, Projection::UP, scale, c.up, d_up, grads, &d_n2);
  add_into(dh, rmsnorm_backward(c.norm2, w.mlp_norm, d_n2.round("MLP input gradient")), kFixed.grad_bits,
           "residual gradient");
  // Attention block: h_mid = h_in + o(attention(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rmsnorm(h_in)
  InputGradient d_attn = gradient_sum(c.attn.o, adapter, l, {Projection::O});
  project_back(c.attn.o, w, adapter, l, Projection::O, scale, c.o, dh, grads, &d_attn);
  const AttentionGrad ag =
      attention_backward(ctx.attention, c.q_rot, c.k_rot, c.v.out, c.attn, d_attn.round("attention output gradient"));
  const ITensor dq = rope_backward(ag.dq, cfg.n_heads, ctx.rope, ctx.positions);
  const ITensor dk = rope_backward(ag.dk, cfg.n_kv_heads, ctx.rope, ctx.positions);
  // A first layer's input needs no gradient: only the adapters' are computed.
  InputGradient d_n1 = gradient_sum(c.norm1.y, adapter, l, {Projection::Q, Projection::K, Projection::V});
  InputGradient* d_n1p = input_gradient ? &d_n1 : nullptr;
  project_back(c.norm1.y, w, adapter, l, Projection::Q, scale, c.q, dq, grads, d_n1p);
  project_back(c.norm1.y, w, adapter, l, Projection::K, scale, c.k, dk, grads, d_n1p);
  project_back(c.norm1.y, w, adapter, l, Projection::V, scale, c.v, ag.dv, grads, d_n1p);
  if (input_gradient) {
    add_into(dh, rmsnorm_backward(c.norm1, w.attn_norm, d_n1.round("attention input gradient")), kFixed.grad_bits,
             "residual gradient");
  }
  return dh;
}

ITensor embedding_rows(const WTensor& embed, std::span<const int32_t> tokens) {
  static_assert(kFixed.weight == kFixed.act, "embedding rows enter the residual stream unscaled");
  const int64_t d = embed.dim(1);
  ITensor h({static_cast<int64_t>(tokens.size()), d});
  for (size_t t = 0; t < tokens.size(); ++t) {
    const int32_t tok = tokens[t];
    if (tok < 0 || tok >= embed.dim(0)) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "token id " + std::to_string(tok) + " outside the vocabulary");
    }
    for (int64_t i = 0; i < d; ++i) h.at2(static_cast<int64_t>(t), i) = embed.at2(tok, i);
  }
  return h;
}

namespace {

// The pass of forward_backward; with streams, caches no layer (each forward pass is computed again from h[l]).
StepResult step_pass(const ModelWeights& weights, const AdapterTensors& adapter, const Batch& batch,
                     StepStreams* streams) {
  const ModelConfig& cfg = weights.config;
  const int64_t T = batch.batch * batch.seq;
  if (batch.seq > cfg.max_seq) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "sequence length " + std::to_string(batch.seq) +
                                                   " exceeds max_position_embeddings " + std::to_string(cfg.max_seq));
  }
  const int64_t scale = lora_scale_fixed(adapter.config);
  const RopeTable rope = make_rope_table(batch.seq, cfg.head_dim(), cfg.rope_theta);
  std::vector<int64_t> positions(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) positions[static_cast<size_t>(t)] = t % batch.seq;
  const AttentionShape shape{batch.batch, batch.seq, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim()};
  const auto L = static_cast<size_t>(cfg.n_layers);

  // ---- forward ----
  ITensor h = embedding_rows(weights.embed, batch.tokens);  // residual stream, act
  const LayerContext ctx{cfg, scale, rope, positions, shape};
  std::vector<LayerCache> caches(streams ? 0 : L);
  if (streams) streams->h.assign(L + 1, ITensor());
  for (size_t l = 0; l < L; ++l) {
    if (streams) {
      streams->h[l] = h;
      (void)layer_forward(ctx, *weights.layer(static_cast<int64_t>(l)), adapter, static_cast<int64_t>(l), h);
    } else {
      caches[l] = layer_forward(ctx, *weights.layer(static_cast<int64_t>(l)), adapter, static_cast<int64_t>(l), h);
    }
  }
  if (streams) streams->h[L] = h;
  const RmsNormOut final_norm = rmsnorm_forward(h, weights.final_norm, cfg.rms_eps);
  const ITensor logits = matmul_nt(final_norm.y, weights.lm_head, kFixed.weight);  // (T, vocab) act
  CrossEntropyOut ce = cross_entropy(logits, batch.targets);

  // ---- backward (gradients of the summed loss) ----
  StepResult result{ce.loss_sum, ce.count, AdapterTensors::zeros_like(adapter)};
  ITensor dh = rmsnorm_backward(final_norm, weights.final_norm, matmul_nn(ce.d_logits, weights.lm_head, kFixed.weight));
  if (streams) streams->dh.assign(L + 1, ITensor());
  for (size_t l = L; l-- > 0;) {
    const auto layer = static_cast<int64_t>(l);
    const std::shared_ptr<const LayerWeights> w = weights.layer(layer);
    if (streams) {
      streams->dh[l + 1] = dh;
      ITensor x = streams->h[l];
      const LayerCache c = layer_forward(ctx, *w, adapter, layer, x);
      dh = layer_backward(ctx, *w, adapter, layer, c, std::move(dh), result.grads, l > 0);
    } else {
      dh = layer_backward(ctx, *w, adapter, layer, caches[l], std::move(dh), result.grads, l > 0);
      caches[l] = LayerCache();
    }
  }
  return result;
}

}  // namespace

StepResult forward_backward(const ModelWeights& weights, const AdapterTensors& adapter, const Batch& batch) {
  return step_pass(weights, adapter, batch, nullptr);
}

StepResult forward_backward(const ModelWeights& weights, const AdapterTensors& adapter, const Batch& batch,
                            StepStreams& streams) {
  return step_pass(weights, adapter, batch, &streams);
}

}  // namespace zklora
