// The per-element arithmetic of the optimizers (docs/fixed_point.md section 6), the one definition the engine's
// optimizer_step (model/optimizer.h) and the proof's update operations (ops/update/) share.
#pragma once

#include <cstdint>

#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"

namespace zklora {

// The shift of an SGD update: LR buf at 2^(hyper + mean_grad) to the adapter's 2^lora.
inline constexpr unsigned kSgdUpdateShift = kFixed.hyper + kFixed.mean_grad - kFixed.lora;  // 40

// g = div_round(G 2^(mean_grad - grad), N): the mean gradient of a summed-loss gradient G over N targets
// (OUT_OF_RANGE past 2^62).
inline int64_t mean_gradient(int64_t g_sum, int64_t count) {
  return to_i64_checked(div_round(static_cast<i128>(g_sum) << (kFixed.mean_grad - kFixed.grad), count),
                        "mean gradient");
}

struct SgdElement {
  int64_t theta = 0;  // the adapter entry after the update
  int64_t buf = 0;    // the momentum buffer after it (g without momentum)
};

// buf = round_shift(MU m, hyper) + g (just g when MU = 0); theta' = theta - round_shift(buf LR, 40)
// (OUT_OF_RANGE past 2^62 for either).
inline SgdElement sgd_element(int64_t theta, int64_t m_prev, int64_t g, int64_t lr, int64_t mu) {
  const i128 buf = mu == 0 ? i128{g} : round_shift(static_cast<i128>(mu) * m_prev, kFixed.hyper) + g;
  SgdElement out;
  out.buf = to_i64_checked(buf, "momentum buffer");
  out.theta = to_i64_checked(theta - round_shift(buf * lr, kSgdUpdateShift), "adapter weight");
  return out;
}

// Global-norm clipping (torch.nn.utils.clip_grad_norm_) over every mean gradient g of the step:
// norm = isqrt(sum g^2) (2^mean_grad), den = norm + EPS6; when CLIP < den every g becomes div_round(g CLIP, den).
// OUT_OF_RANGE when the norm passes 2^62 (the proof's bound).
struct ClipDecision {
  int64_t norm = 0, den = 0;
  bool clip = false;
};
inline ClipDecision clip_decision(u128 sum_sq, int64_t clip, int64_t eps6) {
  const i128 norm = static_cast<i128>(isqrt(sum_sq));
  check_bits(norm, 62, "gradient norm");
  ClipDecision d;
  d.norm = static_cast<int64_t>(norm);
  d.den = d.norm + eps6;
  d.clip = clip < d.den;
  return d;
}
inline int64_t clip_element(int64_t g, int64_t clip, int64_t den) {
  return static_cast<int64_t>(div_round(static_cast<i128>(g) * clip, den));
}

// AdamW's public constants for step t (1, 2, ...): the hyper-parameters at 2^hyper (EPS at the mean-gradient
// scale) and the bias corrections c = 2^hyper - beta^t, beta^t by rounded repeated products from 2^hyper.
struct AdamwConstants {
  int64_t lr = 0, b1 = 0, b2 = 0, eps = 0, wd_lr = 0, c1 = 0, c2 = 0;
};
inline AdamwConstants adamw_constants(int64_t lr, int64_t b1, int64_t b2, int64_t eps, int64_t wd_lr, int64_t step) {
  const i128 one = i128{1} << kFixed.hyper;
  i128 p1 = one, p2 = one;
  for (int64_t t = 0; t < step; ++t) {
    p1 = round_shift(p1 * b1, kFixed.hyper);
    p2 = round_shift(p2 * b2, kFixed.hyper);
  }
  return {lr, b1, b2, eps, wd_lr, static_cast<int64_t>(one - p1), static_cast<int64_t>(one - p2)};
}

struct AdamwElement {
  int64_t theta = 0, m = 0, v = 0;  // after the update
};

// theta_wd = theta - round_shift(theta WD, 32);  m' = round_shift(B1 m + (2^32 - B1) g, 32);
// v' = round_shift(B2 v + (2^32 - B2) round_shift(g^2, 8), 32);  m_hat = div_round(m' 2^32, c1);
// v_hat = div_round(v' 2^32, c2);  s = isqrt(v_hat 2^8);  theta' = theta_wd - div_round(LR m_hat, (s + EPS) 2^8).
// OUT_OF_RANGE when g^2 / 2^8, m', v', m_hat, v_hat or theta' pass 2^62 (the proof's bounds).
inline AdamwElement adamw_element(int64_t theta, int64_t m, int64_t v, int64_t g, const AdamwConstants& k) {
  constexpr unsigned hyper = kFixed.hyper, shift_g2 = 2 * kFixed.mean_grad - kFixed.second;  // 32, 8
  const i128 one = i128{1} << hyper;
  i128 th = theta;
  if (k.wd_lr != 0) th -= round_shift(th * k.wd_lr, hyper);
  const i128 mi = round_shift(k.b1 * static_cast<i128>(m) + (one - k.b1) * g, hyper);
  const i128 g2 = round_shift(static_cast<i128>(g) * g, shift_g2);
  check_bits(g2, 62, "AdamW squared gradient");
  const i128 vi = round_shift(k.b2 * static_cast<i128>(v) + (one - k.b2) * g2, hyper);
  AdamwElement out;
  out.m = to_i64_checked(mi, "AdamW first moment");
  out.v = to_i64_checked(vi, "AdamW second moment");
  const i128 m_hat = div_round(mi << hyper, k.c1);
  check_bits(m_hat, 62, "AdamW corrected first moment");
  const i128 v_hat = div_round(vi << hyper, k.c2);
  check_bits(v_hat, 62, "AdamW corrected second moment");
  const i128 s = static_cast<i128>(isqrt(static_cast<u128>(v_hat) << shift_g2));
  const i128 step = div_round(k.lr * m_hat, (s + k.eps) << (hyper - kFixed.lora));
  out.theta = to_i64_checked(th - step, "adapter weight");
  return out;
}

}  // namespace zklora
