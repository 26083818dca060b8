// The graph of a step (recipe.h): the forward pass and the loss, block by block; the backward pass and the update
// are recipe_backward.cpp and recipe_update.cpp. Shapes: recipe_builder.h.
#include "zklora/step/recipe.h"

#include <memory>
#include <string>

#include "recipe_builder.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/cross_entropy/cross_entropy_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_op.h"
#include "zklora/ops/rope/rope_op.h"
#include "zklora/ops/softmax/softmax_op.h"
#include "zklora/ops/swiglu/swiglu_op.h"
#include "zklora/step/data_commitment.h"

namespace zklora::recipe {

StepGraph Recipe::build() {
  if (!linear()) {
    rope_cos_ = g_.add_public_tensor("rope.cos", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, false));
    rope_sin_ = g_.add_public_tensor("rope.sin", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, true));
    mask_ = g_.add_public_tensor("attention.causal_mask",
                                 std::make_shared<CausalMaskTensor>(u(s_.batch), u(m_.n_heads), u(s_.seq)));
  }
  layers_.resize(static_cast<size_t>(m_.n_layers));
  size_t h = s_.layers_only ? unproven("layers.0.input", act(m_.d_model)) : embedding();
  for (int64_t l = 0; l < m_.n_layers; ++l) {
    h = attention_block(l, h, layers_[static_cast<size_t>(l)]);
    h = mlp_block(l, h, layers_[static_cast<size_t>(l)]);
  }
  size_t dh = 0;
  if (s_.layers_only) {
    g_.mark_cut(h);
    // The gradient at the last layer's output: the head's backward pass is not part of this proof.
    if (s_.updates()) dh = unproven("layers.output_grad", act(m_.d_model), kGradientRange);  // (B, S, d)
  } else {
    const size_t dz = head_and_loss(h);
    if (s_.updates()) dh = head_backward(dz);
  }
  if (s_.updates()) {
    for (int64_t l = m_.n_layers - 1; l >= 0; --l) dh = layer_backward(l, dh, l > 0 || s_.layers_only);
    if (s_.layers_only) g_.mark_cut(dh);  // the gradient at the first layer's input, for the layers before it
    update();
  }
  return std::move(g_);
}

// The output of an operation this proof leaves open: committed, range checked like an activation (or a gradient).
size_t Recipe::unproven(const std::string& name, std::vector<uint64_t> dims, RangeSpec range) {
  return g_.add_proof_tensor(name, std::move(dims), range);
}

// A tensor an unproven operation reads: committed and tied to what the proven operations compute.
void Recipe::read_by_unproven(size_t id) {
  if (g_.tensors()[id].producer >= 0 && !g_.tensors()[id].cut) g_.mark_cut(id);
}

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
  p.w = g_.add_statement_tensor(name, {p.out_dim, p.in});
  p.out = linear_layer(name + ".base", x, p.w, p.in, p.out_dim, kFixed.weight, 1);  // (B, S, out)
  if (!s_.lora.targets_projection(pr)) return p;
  const uint64_t r = u(s_.lora.rank);
  p.adapted = true;
  p.lora_a = g_.add_statement_tensor(adapter_tensor_name(l, pr, true), {r, p.in}, true, kAdapterRange);
  p.lora_b = g_.add_statement_tensor(adapter_tensor_name(l, pr, false), {p.out_dim, r}, true, kAdapterRange);
  p.a = linear_layer(name + ".lora_a", x, p.lora_a, p.in, r, kFixed.lora, 1);  // (B, S, r)
  const size_t lora = linear_layer(name + ".lora", p.a, p.lora_b, r, p.out_dim, kFixed.lora + kFixed.unit,
                                   lora_scale_fixed(s_.lora));  // (B, S, out)
  p.out = add(name + ".out", p.out, lora);
  return p;
}

// h = E[tok]                                                                            (B, S, d)
size_t Recipe::embedding() {
  const size_t e = g_.add_statement_tensor("embed", {u(m_.vocab_size), u(m_.d_model)});
  const size_t tok = g_.add_statement_tensor("batch.tokens", rows(), true);
  if (s_.on_data()) g_.set_row_vars(tok, data_batch_row_vars(s_.batch));  // rows of the data set
  const std::vector<size_t> out =
      g_.apply(std::make_unique<EmbeddingOp>(rows(), u(m_.vocab_size), u(m_.d_model)), {e, tok}, "embedding");
  one_hot_ = out[1];  // (B, S, V)
  return out[0];
}

// y = rmsnorm(x) with the gain `gain` (d): outputs y, the normalized input and 1/rms.  (B, S, d)
NormTensors Recipe::rmsnorm(const std::string& name, const std::string& gain, size_t x) {
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
  if (linear()) read_by_unproven(h);
  const std::string norm = layer_tensor(l, "attn_norm.out");
  const size_t n1 = linear() ? unproven(norm, act(m_.d_model)) : (lt.norm1 = rmsnorm(norm, layer_tensor(l, "attn_norm"), h)).y;
  lt.at(Projection::Q) = projection(l, Projection::Q, n1);  // (B, S, H hd)
  lt.at(Projection::K) = projection(l, Projection::K, n1);  // (B, S, G hd)
  lt.at(Projection::V) = projection(l, Projection::V, n1);  // (B, S, G hd)
  const size_t q = lt.at(Projection::Q).out, k = lt.at(Projection::K).out, v = lt.at(Projection::V).out;
  size_t o;
  if (linear()) {
    for (const size_t x : {q, k, v}) read_by_unproven(x);
    o = unproven(layer_tensor(l, "attn.out"), act(m_.d_model));  // (B, S, H hd)
  } else {
    o = attention(l, lt, q, k, v);
  }
  lt.at(Projection::O) = projection(l, Projection::O, o);
  return add(layer_tensor(l, "residual.attn"), h, lt.at(Projection::O).out);  // (B, S, d)
}

// h + down_proj(swiglu(gate_proj(n2), up_proj(n2))),  n2 = rmsnorm(h)
size_t Recipe::mlp_block(int64_t l, size_t h, LayerTensors& lt) {
  if (linear()) read_by_unproven(h);
  const std::string norm = layer_tensor(l, "mlp_norm.out");
  const size_t n2 = linear() ? unproven(norm, act(m_.d_model)) : (lt.norm2 = rmsnorm(norm, layer_tensor(l, "mlp_norm"), h)).y;
  lt.at(Projection::GATE) = projection(l, Projection::GATE, n2);  // (B, S, F)
  lt.at(Projection::UP) = projection(l, Projection::UP, n2);      // (B, S, F)
  lt.gate = lt.at(Projection::GATE).out;
  lt.up = lt.at(Projection::UP).out;
  size_t sw;
  if (linear()) {
    read_by_unproven(lt.gate);
    read_by_unproven(lt.up);
    sw = unproven(layer_tensor(l, "swiglu.out"), act(m_.d_ffn));  // (B, S, F)
  } else {
    const std::vector<size_t> out =
        g_.apply(std::make_unique<SwigluOp>(act(m_.d_ffn)), {lt.gate, lt.up}, layer_tensor(l, "swiglu.out"));
    sw = out[0];
    lt.sigma = out[1];  // (B, S, F)
  }
  lt.at(Projection::DOWN) = projection(l, Projection::DOWN, sw);
  return add(layer_tensor(l, "residual.mlp"), h, lt.at(Projection::DOWN).out);  // (B, S, d)
}

// logits = rmsnorm(h) W_lm^T;  loss = sum over targets of cross_entropy(logits, next token)
size_t Recipe::head_and_loss(size_t h) {
  if (linear()) read_by_unproven(h);
  const size_t y = linear() ? unproven("final_norm.out", act(m_.d_model))
                            : (final_norm_ = rmsnorm("final_norm.out", "final_norm", h)).y;  // (B, S, d)
  lm_head_ = g_.add_statement_tensor("lm_head", {u(m_.vocab_size), u(m_.d_model)});
  const size_t logits = linear_layer("logits", y, lm_head_, u(m_.d_model), u(m_.vocab_size), kFixed.weight, 1);  // (B, S, V)
  if (linear()) {
    read_by_unproven(logits);
    return 0;
  }
  const size_t mask = g_.add_statement_tensor("batch.mask", rows(), true);  // (B, S)
  if (s_.on_data()) g_.set_row_vars(mask, data_batch_row_vars(s_.batch));
  const std::vector<size_t> out =
      g_.apply(std::make_unique<CrossEntropyOp>(u(s_.batch), u(s_.seq), u(m_.vocab_size), s_.updates()),
               {logits, one_hot_, mask}, "loss");
  g_.mark_public_output(out[0]);  // (1): the summed loss
  if (!s_.updates()) return 0;
  g_.mark_public_output(out[2]);  // (1): N, the number of targets
  return out[1];                  // (B, S, V): dz
}

}  // namespace zklora::recipe

namespace zklora {

std::string layer_tensor(int64_t layer, const std::string& what) {
  return "layers." + std::to_string(layer) + "." + what;
}

Result<StepGraph> build_step_graph(const StepStatement& s) {
  if (Status st = s.validate(); !st) return st.error();
  try {
    return recipe::Recipe(s).build();
  } catch (const ZkError& e) {
    return e.error();
  }
}

}  // namespace zklora
