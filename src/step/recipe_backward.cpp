// The backward pass of a step (recipe.h), the forward blocks in reverse order, as the engine's forward_backward
// and layer_backward compute it (model/step_pass.cpp, docs/fixed_point.md section 5): gradients of the summed
// loss at the grad scale, flowing through every layer to the adapter matrices; frozen weights get none.
// Shapes: recipe_builder.h.
#include <memory>
#include <string>

#include "recipe_builder.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/model/llama.h"
#include "zklora/ops/attention/attention_backward_ops.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/matmul/row_contraction_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_backward_op.h"
#include "zklora/ops/rope/rope_op.h"
#include "zklora/ops/swiglu/swiglu_backward_op.h"

namespace zklora::recipe {

// dh = rmsnorm_backward(round_shift(dz W_lm, 16))                                              (B, S, d)
size_t Recipe::head_backward(size_t dz, size_t lm_head, const NormTensors& fn) {
  const size_t p = g_.apply1(MatmulOp::times(rows(), u(m_.vocab_size), u(m_.d_model)), {dz, lm_head},
                             "logits.backward.product");                                       // (B, S, d), exact
  const size_t dy = rescale("logits.backward", p, kFixed.weight, 1, kGradientRange);           // (B, S, d)
  return g_.apply1(std::make_unique<RmsNormBackwardOp>(act(m_.d_model)), {dy, fn.gain, fn.n, fn.r},
                   "final_norm.backward");  // (B, S, d)
}

// A projection out = round_shift(x W^T, 16) + round_shift(S round_shift(a B^T, 24), 40), a = round_shift(x A^T, 24),
// from dout (B, S, out), as projection_backward of fixed/nn.h, each product rounded once:
//   da = round_shift(S (dout B), 40)                                                          (B, S, r)
//   dB = round_shift(S (dout^T a), 32);  dA = round_shift(da^T x, 16)                        (out, r), (r, in)
//   input-gradient terms: dout W and da A                                                    (B, S, in), exact
// dA and dB leave the layer's part as cuts (the update part reads them).
void Recipe::projection_backward(int64_t l, const ProjectionTensors& p, size_t dout, GradientTerms* terms) {
  const std::string name = layer_tensor(l, projection_module(p.pr)) + ".backward";
  if (terms) {
    terms->base.push_back(g_.apply1(MatmulOp::times(rows(), p.out_dim, p.in), {dout, p.w}, name + ".base.product"));
  }
  if (!p.adapted) return;
  const uint64_t r = u(s_.lora.rank);
  const int64_t scale = lora_scale_fixed(s_.lora);
  const size_t da_p = g_.apply1(MatmulOp::times(rows(), p.out_dim, r), {dout, p.lora_b}, name + ".lora_a.product");
  const size_t da = rescale(name + ".lora_a", da_p, kFixed.lora + kFixed.unit, scale, kGradientRange);  // (B, S, r)
  for (const bool is_a : {false, true}) {
    const TensorKey key = TensorKey::adapter(TensorKind::ADAPTER_GRAD, l, p.pr, is_a);
    const std::string gname = key.name();
    const size_t prod = is_a ? g_.apply1(std::make_unique<RowContractionOp>(rows(), r, p.in), {da, p.x}, gname + ".product")
                             : g_.apply1(std::make_unique<RowContractionOp>(rows(), p.out_dim, r), {dout, p.a},
                                         gname + ".product");
    const size_t grad = is_a ? rescale(gname, prod, kFixed.act, 1, kWideGradientRange)                       // (r, in)
                             : rescale(gname, prod, kFixed.act + kFixed.unit, scale, kWideGradientRange);     // (out, r)
    g_.mark_statement_output(grad, key);
  }
  if (terms) {
    terms->lora.push_back(g_.apply1(MatmulOp::times(rows(), r, p.in), {da, p.lora_a}, name + ".lora.product"));
  }
}

// round_shift(sum base, 16) without adapters, round_shift(2^8 sum base + sum lora, 24) with (the InputGradient of
// fixed/nn.h): the sum exact (additions of products), one rescaling range checked as a gradient.
size_t Recipe::sum_gradient(const std::string& name, const GradientTerms& terms) {
  if (terms.base.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "input gradient of no projection");
  size_t acc = terms.base[0];
  for (size_t i = 1; i < terms.base.size(); ++i) acc = add(name + ".base_sum" + std::to_string(i), acc, terms.base[i]);
  for (size_t i = 0; i < terms.lora.size(); ++i) {
    // The base products move to the LoRA products' scale (2^8 = 2^(lora - weight)) once, as the first is added.
    acc = add(name + ".lora_sum" + std::to_string(i), acc, terms.lora[i],
              i == 0 ? int64_t{1} << (kFixed.lora - kFixed.weight) : 1);
  }
  const unsigned shift = terms.lora.empty() ? kFixed.weight : kFixed.lora;
  return rescale(name, acc, shift, 1, kGradientRange);
}

// With P the probabilities, dO the gradient of the context (B, S, H hd), C the score scale (attention_backward_ops.h):
//   dP = round_shift(dO V^T, 16);  dS = softmax_backward(P, dP)                                (B, H, S, S)
//   dQ = round_shift(C dS K, 32);  dK = round_shift(C sum_group dS^T Q, 32);  dV = round_shift(sum_group P^T dO, 16)
// then RoPE's backward on dQ and dK.
std::array<size_t, 3> Recipe::attention_backward(int64_t l, const LayerTensors& lt, size_t d_o) {
  const uint64_t B = u(s_.batch), S = u(s_.seq), hd = u(m_.head_dim());
  const int64_t c = inv_sqrt_head_dim(m_.head_dim());
  const std::string name = layer_tensor(l, "attn.backward");
  const size_t dp_raw = g_.apply1(std::make_unique<AttentionScoresOp>(heads()), {d_o, lt.v}, name + ".probs.product");
  const size_t dp = rescale(name + ".probs", dp_raw, kFixed.prob, 1, kGradientRange);  // (B, H, S, S)
  const size_t ds = g_.apply1(std::make_unique<SoftmaxBackwardOp>(B, u(m_.n_heads), S), {lt.p, dp},
                              name + ".scores");  // (B, H, S, S)
  const size_t dq_raw = g_.apply1(std::make_unique<AttentionContextOp>(heads()), {ds, lt.k_rot}, name + ".q.product");
  const size_t dq_rot = rescale(name + ".q_rope", dq_raw, kFixed.act + kFixed.unit, c, kGradientRange);  // (B, S, H hd)
  const size_t dk_raw = g_.apply1(std::make_unique<AttentionGroupSumOp>(heads()), {ds, lt.q_rot}, name + ".k.product");
  const size_t dk_rot = rescale(name + ".k_rope", dk_raw, kFixed.act + kFixed.unit, c, kGradientRange);  // (B, S, G hd)
  const size_t dv_raw = g_.apply1(std::make_unique<AttentionGroupSumOp>(heads()), {lt.p, d_o}, name + ".v.product");
  const size_t dv = rescale(name + ".v", dv_raw, kFixed.prob, 1, kGradientRange);  // (B, S, G hd)
  const size_t dq = g_.apply1(std::make_unique<RopeOp>(B, S, u(m_.n_heads), hd, true), {dq_rot, rope_cos_, rope_sin_},
                              name + ".q");  // (B, S, H hd)
  const size_t dk = g_.apply1(std::make_unique<RopeOp>(B, S, u(m_.n_kv_heads), hd, true),
                              {dk_rot, rope_cos_, rope_sin_}, name + ".k");  // (B, S, G hd)
  return {dq, dk, dv};
}

// The gradient at the layer's input from the gradient dh at its output (layer_backward of model/step_pass.cpp);
// without input_gradient (a model's first layer) only the adapter gradients: returns 0.
size_t Recipe::layer_backward(int64_t l, const LayerTensors& lt, size_t dh, bool input_gradient) {
  const std::string L = layer_tensor(l, "");
  // MLP block: h_out = h_mid + down(swiglu(gate(n2), up(n2))), n2 = rmsnorm(h_mid)
  GradientTerms t_sw, t_n2, t_o, t_n1;
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::DOWN)], dh, &t_sw);
  const size_t d_sw = sum_gradient(L + "down_proj.backward", t_sw);  // (B, S, F)
  const std::vector<size_t> dgu = g_.apply(std::make_unique<SwigluBackwardOp>(act(m_.d_ffn)),
                                           {lt.gate, lt.up, lt.sigma, d_sw}, L + "swiglu.backward");
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::GATE)], dgu[0], &t_n2);
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::UP)], dgu[1], &t_n2);
  const size_t d_n2 = sum_gradient(L + "mlp_norm.out.grad", t_n2);  // (B, S, d)
  const size_t dx2 = g_.apply1(std::make_unique<RmsNormBackwardOp>(act(m_.d_model)),
                               {d_n2, lt.norm2.gain, lt.norm2.n, lt.norm2.r}, L + "mlp_norm.backward");  // (B, S, d)
  const size_t dh_mid = add(L + "residual.attn.grad", dh, dx2);                                       // (B, S, d)
  // Attention block: h_mid = h_in + o(attention(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rmsnorm(h_in)
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::O)], dh_mid, &t_o);
  const size_t d_o = sum_gradient(L + "o_proj.backward", t_o);  // (B, S, H hd)
  const auto [dq, dk, dv] = attention_backward(l, lt, d_o);
  GradientTerms* t = input_gradient ? &t_n1 : nullptr;
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::Q)], dq, t);
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::K)], dk, t);
  projection_backward(l, lt.proj[static_cast<size_t>(Projection::V)], dv, t);
  if (!input_gradient) return 0;
  const size_t d_n1 = sum_gradient(L + "attn_norm.out.grad", t_n1);  // (B, S, d)
  const size_t dx1 = g_.apply1(std::make_unique<RmsNormBackwardOp>(act(m_.d_model)),
                               {d_n1, lt.norm1.gain, lt.norm1.n, lt.norm1.r}, L + "attn_norm.backward");  // (B, S, d)
  return add(L + "input.grad", dh_mid, dx1);                                                         // (B, S, d)
}

}  // namespace zklora::recipe
