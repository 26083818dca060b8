// The fixed-point operations of a LLaMA + LoRA training step, forward and backward (docs/fixed_point.md
// section 4 gives each in math). Every function is exact integer arithmetic on the scales of format.h, uses the
// rounding of arith.h and the tables of tables.h, and is the single definition the engine computes and the
// proofs check. Shapes: T tokens (rows), d features; per-token values are rows of a (T, d) tensor.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/base/types.h"
#include "zklora/fixed/tables.h"
#include "zklora/fixed/tensor.h"

namespace zklora {

// ---- RMSNorm --------------------------------------------------------------------------------------------
// r_t = max r: r^2 (sum_i x_ti^2 + E) <= d 2^(2(rsqrt + act)),  E = round(d eps 2^(2 act))
// n_ti = round_shift(x_ti r_t, rsqrt)          (act)     y_ti = round_shift(n_ti g_i, weight)   (act)
struct RmsNormOut {
  ITensor n;                // (T, d) normalized input, act
  std::vector<int64_t> r;   // (T) 1/rms, scale 2^rsqrt
  ITensor y;                // (T, d) output, act
};
RmsNormOut rmsnorm_forward(const ITensor& x, const WTensor& gain, double eps);
// The integer constants of rmsnorm_forward for width d: E = round(d eps 2^(2 act)), N = d 2^(2 (rsqrt + act)),
// r_t = rsqrt_scaled(sum_i x_ti^2 + E, N).
struct RmsNormConstants {
  u128 e = 0;
  u128 n = 0;
};
RmsNormConstants rmsnorm_constants(int64_t d, double eps);
// c_t = div_round(sum_i dy_ti g_i n_ti, d 2^(weight + act));
// dx = round_shift((dy g - n c) r, weight + rsqrt)                              (grad), each product rounded once
// c and dx are gradients: OUT_OF_RANGE unless each is below 2^grad_bits in magnitude (or a sum passes 127 bits).
ITensor rmsnorm_backward(const RmsNormOut& fwd, const WTensor& gain, const ITensor& dy);

// ---- LoRA projection -----------------------------------------------------------------------------------
// z = round_shift(y W^T, weight);  a = round_shift(y A^T, lora);  out = z + round_shift((a B^T) s, lora + unit)
// with s = round(2^unit alpha / r). Without an adapter (A empty) out = z.
struct ProjectionOut {
  ITensor out;  // (T, out) act
  ITensor a;    // (T, r) act, empty without adapter
};
ProjectionOut projection_forward(const ITensor& y, const WTensor& w, const ITensor& lora_a, const ITensor& lora_b,
                                 int64_t lora_scale);
// The input gradient of the projections that read one input y (q, k and v; gate and up; o; down), their terms
// summed exactly and rounded once: round_shift(sum_p dout_p W_p, weight) when none of them has an adapter, else
// round_shift(sum_p 2^(lora - weight) dout_p W_p + sum_{adapted p} da_p A_p, lora). A gradient: OUT_OF_RANGE
// unless below 2^grad_bits in magnitude.
class InputGradient {
 public:
  // rows x width, `adapted` when any projection that adds to it has an adapter.
  InputGradient(int64_t rows, int64_t width, bool adapted);
  unsigned shift() const;                          // weight, or lora when adapted
  void add_base(const ITensor& dout, const WTensor& w);    // dout W
  void add_lora(const ITensor& da, const ITensor& lora_a);  // da A (adapted only)
  ITensor round(const char* what) const;

 private:
  int64_t rows_, width_;
  bool adapted_;
  std::vector<i128> acc_;
};
struct ProjectionGrad {
  ITensor d_a;  // (r, in) grad, empty without adapter
  ITensor d_b;  // (out, r) grad
};
// The adapter's gradients, each product rounded once: da = round_shift(s (dout B), lora + unit) (a gradient),
// dB = round_shift(s (dout^T a), act + unit), dA = round_shift(da^T y, act); adds the projection's terms to dy
// (none when null: a first layer's input needs no gradient). OUT_OF_RANGE where a scaled product passes 127 bits.
ProjectionGrad projection_backward(const ITensor& y, const WTensor& w, const ITensor& lora_a, const ITensor& lora_b,
                                   int64_t lora_scale, const ITensor& a, const ITensor& dout, InputGradient* dy);

// ---- RoPE (rotate-half) ----------------------------------------------------------------------------------
// For each head (width hd, half h = hd/2) and token at position pos:
//   x'_i = round_shift(x_i cos - x_{i+h} sin, trig),  x'_{i+h} = round_shift(x_{i+h} cos + x_i sin, trig).
// positions[t] is the position of row t in its sequence.
ITensor rope_forward(const ITensor& x, int64_t n_heads, const RopeTable& rope, const std::vector<int64_t>& positions);
// The transposed rotation: dx_i = round_shift(dx'_i cos + dx'_{i+h} sin, trig), dx_{i+h} = round_shift(dx'_{i+h} cos - dx'_i sin, trig).
ITensor rope_backward(const ITensor& dx, int64_t n_heads, const RopeTable& rope, const std::vector<int64_t>& positions);

// ---- Causal grouped-query attention ------------------------------------------------------------------------
// Rows are `batch` sequences of `seq` tokens. For head h (kv head g = h / (n_heads / n_kv_heads)):
//   s_tu = round_shift(c (q_t . k_u), act + unit), c = round(2^unit / sqrt(hd)), for u <= t
//   m_t = max_u s_tu; e_tu = exp_neg(m_t - s_tu); S_t = sum_u e_tu; p_tu = div_round(e_tu 2^prob, S_t)
//   o_t = round_shift(sum_u p_tu v_u, prob)
// round(2^unit / sqrt(hd)): the score scale c.
int64_t inv_sqrt_head_dim(int64_t hd);
// s = round_shift(c dot, act + unit), the scaled score of a raw product (OUT_OF_RANGE past 2^62).
int64_t attention_score(i128 dot, int64_t c);
// The softmax of one row of scores (docs/fixed_point.md sections 4 and 5), shared by attention and the loss:
//   m = max_u s_u;  e_u = exp_neg(m - s_u);  S = sum_u e_u;  p_u = div_round(e_u 2^prob, S)
// e and p (when non-empty) receive e_u and p_u for u < |scores|; returns (m, S).
struct SoftmaxRow {
  int64_t max = 0;
  int64_t sum = 0;
};
SoftmaxRow softmax_row(std::span<const int64_t> scores, std::span<int64_t> e, std::span<int64_t> p);

struct AttentionShape {
  int64_t batch = 0, seq = 0, n_heads = 0, n_kv_heads = 0, head_dim = 0;
};
struct AttentionOut {
  ITensor o;   // (T, n_heads * hd) act
  ITensor p;   // (batch, n_heads, seq, seq) prob, zero above the diagonal
};
AttentionOut attention_forward(const AttentionShape& shape, const ITensor& q, const ITensor& k, const ITensor& v);
struct AttentionGrad {
  ITensor dq, dk, dv;  // grad, shapes of q, k, v
};
// dP_tu = round_shift(dO_t . v_u, act); dV_g = round_shift(sum_{h in g} P_h^T dO_h, prob);
// c_t = round_shift(sum_u p_tu dP_tu, prob); dS_tu = round_shift(p_tu (dP_tu - c_t), prob);
// dQ_t = round_shift(c sum_u dS_tu k_u, act + unit); dK_g,u = round_shift(c sum_{h in g} sum_t dS_h,tu q_h,t, act + unit)
// Every dP (masked entries too), c, dS, dQ, dK and dV is a gradient: OUT_OF_RANGE unless below 2^grad_bits.
AttentionGrad attention_backward(const AttentionShape& shape, const ITensor& q, const ITensor& k, const ITensor& v,
                                 const AttentionOut& fwd, const ITensor& d_o);

// ---- SwiGLU --------------------------------------------------------------------------------------------
// sigma = sigmoid_fixed(g) (unit); h = round_shift(g sigma u, unit + act): SiLU(g) u rounded once
struct SwigluOut {
  ITensor sigma, h;  // (T, d_ffn)
};
SwigluOut swiglu_forward(const ITensor& gate, const ITensor& up);
// du = round_shift(dh g sigma, act + unit);  silu' = sigma + round_shift(g (2^unit - sigma) sigma, act + unit);
// dg = round_shift(dh u silu', act + unit): each product rounded once.
// du and dg are gradients: OUT_OF_RANGE unless each is below 2^grad_bits in magnitude.
void swiglu_backward(const ITensor& gate, const ITensor& up, const SwigluOut& fwd, const ITensor& dh, ITensor& d_gate,
                     ITensor& d_up);

// ---- Cross-entropy -----------------------------------------------------------------------------------------
// For each row t with target y_t >= 0 (rows with target < 0 are padding and contribute nothing):
//   m_t = max_v z_tv; e_tv = exp_neg(m_t - z_tv); S_t = sum_v e_tv; p_tv = div_round(e_tv 2^prob, S_t)
//   loss_t = m_t + log_fixed(S_t) - z_t,y_t  (act);  dz_tv = (p_tv - 2^prob [v = y_t]) 2^(grad - prob)
// The gradient is of the SUMMED loss; the optimizer divides by the number of targets.
struct CrossEntropyOut {
  int64_t loss_sum = 0;   // sum of loss_t, act
  int64_t count = 0;      // number of rows with a target
  ITensor d_logits;       // (T, vocab) grad
};
CrossEntropyOut cross_entropy(const ITensor& logits, const std::vector<int32_t>& targets);

}  // namespace zklora
