// The graph of a part of a step (recipe.h): the parts, and the forward blocks; the backward pass and the update
// are recipe_backward.cpp and recipe_update.cpp. Shapes: recipe_builder.h.
#include "zklora/step/recipe.h"

#include <memory>
#include <string>

#include "recipe_builder.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/cross_entropy/cross_entropy_op.h"
#include "zklora/ops/cross_entropy/target_mask_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_op.h"
#include "zklora/ops/rope/rope_op.h"
#include "zklora/ops/softmax/softmax_op.h"
#include "zklora/ops/swiglu/swiglu_op.h"
#include "zklora/step/data_commitment.h"

namespace zklora::recipe {

StepGraph Recipe::build(PartId part) {
  switch (part.kind) {
    case PartKind::EMBEDDING: embedding_part(); break;
    case PartKind::LAYER: layer_part(part.index); break;
    case PartKind::HEAD: head_part(); break;
    case PartKind::UPDATE: update_part(); break;
  }
  return std::move(g_);
}

TensorKey Recipe::lm_head_key() const {
  return TensorKey::of(m_.tie_embeddings ? TensorKind::EMBED : TensorKind::LM_HEAD);
}

// ---- parts -------------------------------------------------------------------------------------------------------

// h_0 = E[tok]                                                                            (B, S, d)
// The one-hot matrix OH (B, S, V) the embedding commits is the loss's too: with the loss it is the header's.
void Recipe::embedding_part() {
  const size_t e = g_.add_statement_tensor(TensorKey::of(TensorKind::EMBED), {u(m_.vocab_size), u(m_.d_model)});
  const size_t tok = g_.add_statement_tensor(TensorKey::of(TensorKind::BATCH_TOKENS), rows(), true);
  if (s_.on_data()) g_.set_row_vars(tok, data_batch_row_vars(s_.batch));  // rows of the data set
  const std::vector<size_t> out =
      g_.apply(std::make_unique<EmbeddingOp>(rows(), u(m_.vocab_size), u(m_.d_model)), {e, tok}, "embedding");
  g_.mark_statement_output(out[0], TensorKey::residual(0));
  if (s_.has_loss()) g_.mark_statement_committed(out[1], TensorKey::of(TensorKind::ONE_HOT));
}

// h_{l+1} = mlp_block(l, attention_block(l, h_l)); in a STEP, from dh_{l+1}: dh_l and the adapter gradients.
void Recipe::layer_part(int64_t l) {
  if (l < 0 || l >= m_.n_layers) throw ZkError(ErrorCode::INVALID_ARGUMENT, "no layer " + std::to_string(l));
  rope_cos_ = g_.add_public_tensor("rope.cos", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, false));
  rope_sin_ = g_.add_public_tensor("rope.sin", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, true));
  mask_ = g_.add_public_tensor("attention.causal_mask",
                               std::make_shared<CausalMaskTensor>(u(s_.batch), u(m_.n_heads), u(s_.seq)));
  LayerTensors lt;
  const size_t h_in = g_.add_statement_tensor(TensorKey::residual(l), act(m_.d_model));  // (B, S, d)
  const size_t h_mid = attention_block(l, h_in, lt);
  g_.mark_statement_output(mlp_block(l, h_mid, lt), TensorKey::residual(l + 1));
  if (!s_.updates()) return;
  const size_t dh_out = g_.add_statement_tensor(TensorKey::residual_grad(l + 1), act(m_.d_model));  // (B, S, d)
  const size_t dh_in = layer_backward(l, lt, dh_out, l > 0);
  if (l > 0) g_.mark_statement_output(dh_in, TensorKey::residual_grad(l));
}

// logits = rmsnorm(h_L) W_lm^T;  loss = sum over targets of cross_entropy(logits, next token);  STEP: dh_L
void Recipe::head_part() {
  const size_t h = g_.add_statement_tensor(TensorKey::residual(m_.n_layers), act(m_.d_model));  // (B, S, d)
  const NormTensors fn = rmsnorm("final_norm.out", TensorKey::of(TensorKind::FINAL_NORM), h);
  const size_t lm_head = g_.add_statement_tensor(lm_head_key(), {u(m_.vocab_size), u(m_.d_model)});
  const size_t logits = linear_layer("logits", fn.y, lm_head, u(m_.d_model), u(m_.vocab_size), kFixed.weight, 1);  // (B, S, V)
  const size_t one_hot = g_.add_statement_tensor(TensorKey::of(TensorKind::ONE_HOT), act(m_.vocab_size));
  // Each row's number of targets, from the data (one commitment per example), and the mask derived from it.
  const size_t counts = g_.add_statement_tensor(TensorKey::of(TensorKind::BATCH_TARGETS), {u(s_.batch)}, true);  // (B)
  if (s_.on_data()) g_.set_row_vars(counts, data_batch_row_vars(s_.batch));
  const size_t mask = g_.apply1(std::make_unique<TargetMaskOp>(u(s_.batch), u(s_.seq)), {counts}, "batch.mask");  // (B, S)
  const std::vector<size_t> out =
      g_.apply(std::make_unique<CrossEntropyOp>(u(s_.batch), u(s_.seq), u(m_.vocab_size), s_.updates()),
               {logits, one_hot, mask}, "loss");
  if (!s_.has_loss()) return;  // LINEAR_BACKBONE: the loss is left unproven
  g_.mark_public_output(out[0]);  // (1): the summed loss
  if (!s_.updates()) return;
  g_.mark_public_output(out[2]);  // (1): N, the number of targets
  g_.mark_statement_output(head_backward(out[1], lm_head, fn), TensorKey::residual_grad(m_.n_layers));
}

// ---- forward blocks ----------------------------------------------------------------------------------------------

size_t Recipe::add(const std::string& name, size_t a, size_t b, int64_t scale_a) {
  return g_.apply1(std::make_unique<AddOp>(dims(a), scale_a), {a, b}, name);
}

// y = round_shift(m x, shift), y range checked.
size_t Recipe::rescale(const std::string& name, size_t x, unsigned shift, int64_t multiplier, RangeSpec range) {
  return g_.apply1(std::make_unique<RescaleOp>(dims(x), shift, multiplier, range), {x}, name);
}

// y = round_shift(m (x W^T), shift): the exact product and its rescaling (remainder committed, y range checked).
size_t Recipe::linear_layer(const std::string& name, size_t x, size_t w, uint64_t in, uint64_t out, unsigned shift,
                            int64_t multiplier) {
  std::vector<uint64_t> rows = dims(x);
  rows.pop_back();
  const size_t p = g_.apply1(MatmulOp::linear(rows, in, out), {x, w}, name + ".product");
  return rescale(name, p, shift, multiplier, kActivationRange);
}

// out = round_shift(x W^T, 16) + round_shift((round_shift(x A^T, 24) B^T) S, 40)  (fixed_point.md section 4).
ProjectionTensors Recipe::projection(int64_t l, Projection pr, size_t x) {
  const auto [out_dim, in_dim] = projection_shape(m_, pr);
  ProjectionTensors p;
  p.pr = pr;
  p.in = u(in_dim);
  p.out_dim = u(out_dim);
  p.x = x;
  const std::string name = layer_tensor(l, projection_module(pr));
  p.w = g_.add_statement_tensor(TensorKey::projection(l, pr), {p.out_dim, p.in});
  p.out = linear_layer(name + ".base", x, p.w, p.in, p.out_dim, kFixed.weight, 1);  // (B, S, out)
  if (!s_.lora.targets_projection(pr)) return p;
  const uint64_t r = u(s_.lora.rank);
  p.adapted = true;
  p.lora_a = g_.add_statement_tensor(TensorKey::adapter(TensorKind::ADAPTER, l, pr, true), {r, p.in}, true, kAdapterRange);
  p.lora_b = g_.add_statement_tensor(TensorKey::adapter(TensorKind::ADAPTER, l, pr, false), {p.out_dim, r}, true,
                                     kAdapterRange);
  p.a = linear_layer(name + ".lora_a", x, p.lora_a, p.in, r, kFixed.lora, 1);  // (B, S, r)
  const size_t lora = linear_layer(name + ".lora", p.a, p.lora_b, r, p.out_dim, kFixed.lora + kFixed.unit,
                                   lora_scale_fixed(s_.lora));  // (B, S, out)
  p.out = add(name + ".out", p.out, lora);
  return p;
}

// y = rmsnorm(x) with the gain `gain` (d): outputs y, the normalized input and 1/rms.  (B, S, d)
NormTensors Recipe::rmsnorm(const std::string& name, const TensorKey& gain, size_t x) {
  NormTensors n;
  n.gain = g_.add_statement_tensor(gain, {u(m_.d_model)});
  const std::vector<size_t> out = g_.apply(std::make_unique<RmsNormOp>(act(m_.d_model), m_.rms_eps), {x, n.gain}, name);
  n.y = out[0];
  n.n = out[1];  // (B, S, d)
  n.r = out[2];  // (B, S)
  return n;
}

// o = round_shift(softmax(causal(rope(q) rope(k)^T / sqrt(hd))) v, 16)                          (B, S, H hd)
size_t Recipe::attention(int64_t l, LayerTensors& lt, size_t q, size_t k, size_t v) {
  const uint64_t hd = u(m_.head_dim());
  lt.q_rot = g_.apply1(std::make_unique<RopeOp>(u(s_.batch), u(s_.seq), u(m_.n_heads), hd),
                       {q, rope_cos_, rope_sin_}, layer_tensor(l, "q_rope"));  // (B, S, H hd)
  lt.k_rot = g_.apply1(std::make_unique<RopeOp>(u(s_.batch), u(s_.seq), u(m_.n_kv_heads), hd),
                       {k, rope_cos_, rope_sin_}, layer_tensor(l, "k_rope"));  // (B, S, G hd)
  lt.v = v;
  const size_t a = g_.apply1(std::make_unique<AttentionScoresOp>(heads()), {lt.q_rot, lt.k_rot},
                             layer_tensor(l, "attn.scores"));  // (B, H, S, S)
  lt.p = g_.apply1(std::make_unique<CausalSoftmaxOp>(u(s_.batch), u(m_.n_heads), u(s_.seq),
                                                     inv_sqrt_head_dim(m_.head_dim())),
                   {a, mask_}, layer_tensor(l, "attn.softmax"));  // (B, H, S, S)
  const size_t o = g_.apply1(std::make_unique<AttentionContextOp>(heads()), {lt.p, v},
                             layer_tensor(l, "attn.context"));  // (B, S, H hd), exact
  return rescale(layer_tensor(l, "attn.out"), o, kFixed.prob, 1, kActivationRange);  // (B, S, H hd)
}

// h + o_proj(attention(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(h)
size_t Recipe::attention_block(int64_t l, size_t h, LayerTensors& lt) {
  lt.norm1 = rmsnorm(layer_tensor(l, "attn_norm.out"), TensorKey::norm(TensorKind::ATTN_NORM, l), h);
  lt.at(Projection::Q) = projection(l, Projection::Q, lt.norm1.y);  // (B, S, H hd)
  lt.at(Projection::K) = projection(l, Projection::K, lt.norm1.y);  // (B, S, G hd)
  lt.at(Projection::V) = projection(l, Projection::V, lt.norm1.y);  // (B, S, G hd)
  const size_t o = attention(l, lt, lt.at(Projection::Q).out, lt.at(Projection::K).out, lt.at(Projection::V).out);
  lt.at(Projection::O) = projection(l, Projection::O, o);
  return add(layer_tensor(l, "residual.attn"), h, lt.at(Projection::O).out);  // (B, S, d)
}

// h + down_proj(swiglu(gate_proj(n2), up_proj(n2))),  n2 = rmsnorm(h)
size_t Recipe::mlp_block(int64_t l, size_t h, LayerTensors& lt) {
  lt.norm2 = rmsnorm(layer_tensor(l, "mlp_norm.out"), TensorKey::norm(TensorKind::MLP_NORM, l), h);
  lt.at(Projection::GATE) = projection(l, Projection::GATE, lt.norm2.y);  // (B, S, F)
  lt.at(Projection::UP) = projection(l, Projection::UP, lt.norm2.y);      // (B, S, F)
  lt.gate = lt.at(Projection::GATE).out;
  lt.up = lt.at(Projection::UP).out;
  const std::vector<size_t> out =
      g_.apply(std::make_unique<SwigluOp>(act(m_.d_ffn)), {lt.gate, lt.up}, layer_tensor(l, "swiglu.out"));
  lt.sigma = out[1];  // (B, S, F)
  lt.at(Projection::DOWN) = projection(l, Projection::DOWN, out[0]);
  return add(layer_tensor(l, "residual.mlp"), h, lt.at(Projection::DOWN).out);  // (B, S, d)
}

}  // namespace zklora::recipe

namespace zklora {
namespace {

// The operations a LINEAR_BACKBONE statement leaves unproven (with every rescaling of their outputs); the target
// mask is the loss's, which reads nothing else.
bool non_linear(const GraphOp& op) {
  static const std::string_view kinds[] = {"rmsnorm", "rope",   "attention-scores", "causal-softmax",
                                           "attention-context", "swiglu", "cross-entropy", "target-mask"};
  for (const std::string_view k : kinds) {
    if (op.op->kind() == k) return true;
  }
  return false;
}

}  // namespace

std::string layer_tensor(int64_t layer, const std::string& what) {
  return "layers." + std::to_string(layer) + "." + what;
}

Result<StepGraph> build_full_part_graph(const StepStatement& s, PartId part) {
  if (Status st = s.validate(); !st) return st.error();
  if (part.kind == PartKind::UPDATE && !s.updates()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "a statement without update has no update part");
  }
  if ((part.kind != PartKind::LAYER && part.index != 0) ||
      (part.kind == PartKind::LAYER && (part.index < 0 || part.index >= s.model.n_layers))) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the statement's step has no part " + part.name() + " (index " +
                                                       std::to_string(part.index) + ")");
  }
  try {
    return recipe::Recipe(s).build(part);
  } catch (const ZkError& e) {
    return e.error();
  }
}

StepGraph proven_part_graph(const StepStatement& s, StepGraph full, std::vector<size_t>* full_id) {
  if (s.mode == StepMode::LINEAR_BACKBONE) return std::move(full).leave_unproven(non_linear, kActivationRange, full_id);
  if (full_id) {
    full_id->resize(full.tensors().size());
    for (size_t i = 0; i < full_id->size(); ++i) (*full_id)[i] = i;
  }
  return full;
}

Result<StepGraph> build_part_graph(const StepStatement& s, PartId part) {
  auto full = build_full_part_graph(s, part);
  if (!full) return full.error();
  try {
    return proven_part_graph(s, std::move(full.value()));
  } catch (const ZkError& e) {
    return e.error();
  }
}

}  // namespace zklora
