#include "zklora/fixed/nn.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "zklora/base/error.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"

namespace zklora {
namespace {

constexpr unsigned kAct = kFixed.act, kWeight = kFixed.weight, kLora = kFixed.lora, kGrad = kFixed.grad,
                   kProb = kFixed.prob, kRsqrt = kFixed.rsqrt, kTrig = kFixed.trig, kUnit = kFixed.unit;

void require(bool ok, const std::string& what) {
  if (!ok) throw ZkError(ErrorCode::INVALID_ARGUMENT, what);
}

void check_activations(const ITensor& x, const char* what) {
  for (const int64_t v : x.data) check_bits(v, kFixed.act_bits, what);
}

void check_gradients(const ITensor& x, const char* what) {
  for (const int64_t v : x.data) check_bits(v, kFixed.grad_bits, what);
}

}  // namespace

int64_t inv_sqrt_head_dim(int64_t hd) {
  return std::llround(std::ldexp(1.0 / std::sqrt(static_cast<double>(hd)), kUnit));
}

int64_t attention_score(i128 dot, int64_t c) { return to_i64_checked(round_shift(dot * c, kAct + kUnit), "attention score"); }

SoftmaxRow softmax_row(std::span<const int64_t> scores, std::span<int64_t> e, std::span<int64_t> p) {
  SoftmaxRow r{*std::max_element(scores.begin(), scores.end()), 0};
  std::vector<int64_t> local;
  if (e.empty()) {
    local.resize(scores.size());
    e = local;
  }
  for (size_t u = 0; u < scores.size(); ++u) r.sum += e[u] = exp_neg(r.max - scores[u]);
  if (!p.empty()) {
    for (size_t u = 0; u < scores.size(); ++u) {
      p[u] = static_cast<int64_t>(div_round(static_cast<i128>(e[u]) << kProb, r.sum));
    }
  }
  return r;
}

// ---- RMSNorm ----------------------------------------------------------------------------------------------

RmsNormOut rmsnorm_forward(const ITensor& x, const WTensor& gain, double eps) {
  require(x.shape.size() == 2 && gain.numel() == x.shape[1], "rmsnorm: input " + shape_string(x.shape) +
                                                                  " does not match gain " + shape_string(gain.shape));
  check_activations(x, "RMSNorm input");
  const int64_t rows = x.shape[0], d = x.shape[1];
  const RmsNormConstants k = rmsnorm_constants(d, eps);
  const u128 e = k.e, n = k.n;  // named values, not bindings: the lambda below captures them
  RmsNormOut out{ITensor(x.shape), std::vector<int64_t>(static_cast<size_t>(rows)), ITensor(x.shape)};
  parallel_for(static_cast<size_t>(rows), 0, [&](size_t ti) {
    const int64_t t = static_cast<int64_t>(ti);
    const int64_t* xr = x.row(t);
    u128 ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += static_cast<u128>(static_cast<i128>(xr[i]) * xr[i]);
    const int64_t r = static_cast<int64_t>(rsqrt_scaled(ss + e, n));
    out.r[ti] = r;
    int64_t* nr = out.n.row(t);
    int64_t* yr = out.y.row(t);
    for (int64_t i = 0; i < d; ++i) {
      nr[i] = static_cast<int64_t>(round_shift(static_cast<i128>(xr[i]) * r, kRsqrt));
      yr[i] = static_cast<int64_t>(round_shift(static_cast<i128>(nr[i]) * gain.data[static_cast<size_t>(i)], kWeight));
    }
  }, grain_for(static_cast<size_t>(4 * d)));
  return out;
}

RmsNormConstants rmsnorm_constants(int64_t d, double eps) {
  return {static_cast<u128>(std::llround(static_cast<double>(d) * eps * std::ldexp(1.0, 2 * kAct))),
          static_cast<u128>(d) << (2 * (kRsqrt + kAct))};
}

namespace {

// a * b and a + b in 128 bits, OUT_OF_RANGE on overflow (no honest operand comes close).
i128 mul_checked(i128 a, i128 b, const char* what) {
  i128 r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw ZkError(ErrorCode::OUT_OF_RANGE, std::string(what) + ": past 127 bits");
  return r;
}
i128 add_checked(i128 a, i128 b, const char* what) {
  i128 r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw ZkError(ErrorCode::OUT_OF_RANGE, std::string(what) + ": past 127 bits");
  return r;
}

// round_shift(s p_i, shift) for exact products p, an (m, n) tensor; OUT_OF_RANGE where s p passes 127 bits.
ITensor scaled_round(std::vector<i128> p, int64_t s, int64_t m, int64_t n, unsigned shift, const char* what) {
  for (i128& x : p) x = mul_checked(x, s, what);
  return round_exact(p, m, n, shift, what);
}

}  // namespace

ITensor rmsnorm_backward(const RmsNormOut& fwd, const WTensor& gain, const ITensor& dy) {
  static_assert(kWeight == kAct, "dy g and n c share a scale");
  require(dy.shape == fwd.n.shape, "rmsnorm_backward: gradient shape " + shape_string(dy.shape));
  const int64_t rows = dy.shape[0], d = dy.shape[1];
  ITensor dx(dy.shape);
  const i128 den = static_cast<i128>(d) << (kWeight + kAct);
  parallel_for(static_cast<size_t>(rows), 0, [&](size_t ti) {
    const int64_t t = static_cast<int64_t>(ti);
    const int64_t* dyr = dy.row(t);
    const int64_t* nr = fwd.n.row(t);
    i128 dot = 0;
    for (int64_t i = 0; i < d; ++i) {
      const i128 dg = static_cast<i128>(dyr[i]) * gain.data[static_cast<size_t>(i)];
      dot = add_checked(dot, mul_checked(dg, nr[i], "RMSNorm gradient mean"), "RMSNorm gradient mean");
    }
    const i128 c = div_round(dot, den);
    check_bits(c, kFixed.grad_bits, "RMSNorm gradient mean");
    const int64_t r = fwd.r[ti];
    int64_t* dxr = dx.row(t);
    for (int64_t i = 0; i < d; ++i) {
      const i128 u = static_cast<i128>(dyr[i]) * gain.data[static_cast<size_t>(i)] - static_cast<i128>(nr[i]) * c;
      dxr[i] = to_i64_checked(round_shift(mul_checked(u, r, "RMSNorm input gradient"), kWeight + kRsqrt),
                              "RMSNorm input gradient");
    }
  }, grain_for(static_cast<size_t>(4 * d)));
  check_gradients(dx, "RMSNorm input gradient");
  return dx;
}

// ---- LoRA projection ----------------------------------------------------------------------------------------

ProjectionOut projection_forward(const ITensor& y, const WTensor& w, const ITensor& lora_a, const ITensor& lora_b,
                                 int64_t lora_scale) {
  ProjectionOut out{matmul_nt(y, w, kWeight), {}};
  if (lora_a.numel() == 0) return out;
  out.a = matmul_nt(y, lora_a, kLora);
  const ITensor ab = matmul_nt(out.a, lora_b, 0);  // exact (act + lora)
  for (int64_t i = 0; i < ab.numel(); ++i) {
    out.out[i] += to_i64_checked(round_shift(static_cast<i128>(ab[i]) * lora_scale, kLora + kUnit), "LoRA output");
  }
  check_activations(out.out, "projection output");
  return out;
}

InputGradient::InputGradient(int64_t rows, int64_t width, bool adapted)
    : rows_(rows), width_(width), adapted_(adapted), acc_(static_cast<size_t>(rows * width), 0) {}

unsigned InputGradient::shift() const { return adapted_ ? kLora : kWeight; }

namespace {

void accumulate(std::vector<i128>& acc, const std::vector<i128>& terms, unsigned up, const char* what) {
  if (terms.size() != acc.size()) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, std::string(what) + ": a term of another shape");
  }
  parallel_for(acc.size(), 0, [&](size_t i) { acc[i] += terms[i] << up; }, grain_for(4));
}

}  // namespace

void InputGradient::add_base(const ITensor& dout, const WTensor& w) {
  accumulate(acc_, matmul_nn_exact(dout, w), adapted_ ? kLora - kWeight : 0, "input gradient");
}

void InputGradient::add_lora(const ITensor& da, const ITensor& lora_a) {
  require(adapted_, "input gradient: a LoRA term in a sum declared without adapters");
  accumulate(acc_, matmul_nn_exact(da, lora_a), 0, "input gradient");
}

ITensor InputGradient::round(const char* what) const {
  ITensor dy = round_exact(acc_, rows_, width_, shift(), what);
  check_gradients(dy, what);
  return dy;
}

ProjectionGrad projection_backward(const ITensor& y, const WTensor& w, const ITensor& lora_a, const ITensor& lora_b,
                                   int64_t lora_scale, const ITensor& a, const ITensor& dout, InputGradient* dy) {
  ProjectionGrad g;
  if (dy) dy->add_base(dout, w);
  if (lora_a.numel() == 0) return g;
  const int64_t r = lora_a.shape[0];
  const ITensor da = scaled_round(matmul_nn_exact(dout, lora_b), lora_scale, dout.shape[0], r, kLora + kUnit,
                                  "LoRA intermediate gradient");  // (T, r)
  check_gradients(da, "LoRA intermediate gradient");
  g.d_b = scaled_round(matmul_tn_exact(dout, a), lora_scale, dout.shape[1], r, kAct + kUnit, "LoRA B gradient");
  g.d_a = matmul_tn(da, y, kAct);  // (r, in)
  if (dy) dy->add_lora(da, lora_a);
  return g;
}

// ---- RoPE -------------------------------------------------------------------------------------------------

namespace {

ITensor rope_apply(const ITensor& x, int64_t n_heads, const RopeTable& rope, const std::vector<int64_t>& positions,
                   bool inverse) {
  const int64_t rows = x.shape[0], width = x.shape[1], hd = width / n_heads, h = hd / 2;
  require(hd * n_heads == width && h == rope.half, "rope: width " + std::to_string(width) + " does not match the table");
  require(static_cast<int64_t>(positions.size()) == rows, "rope: one position per row");
  ITensor out(x.shape);
  for (int64_t t = 0; t < rows; ++t) {
    const int64_t pos = positions[static_cast<size_t>(t)];
    require(pos >= 0 && pos < rope.max_seq, "rope: position " + std::to_string(pos) + " outside the table");
    const int64_t* xr = x.row(t);
    int64_t* orow = out.row(t);
    for (int64_t head = 0; head < n_heads; ++head) {
      const int64_t base = head * hd;
      for (int64_t i = 0; i < h; ++i) {
        const i128 c = rope.cos[static_cast<size_t>(pos * h + i)], s = rope.sin[static_cast<size_t>(pos * h + i)];
        const i128 x1 = xr[base + i], x2 = xr[base + h + i];
        if (!inverse) {
          orow[base + i] = static_cast<int64_t>(round_shift(x1 * c - x2 * s, kTrig));
          orow[base + h + i] = static_cast<int64_t>(round_shift(x2 * c + x1 * s, kTrig));
        } else {
          orow[base + i] = static_cast<int64_t>(round_shift(x1 * c + x2 * s, kTrig));
          orow[base + h + i] = static_cast<int64_t>(round_shift(x2 * c - x1 * s, kTrig));
        }
      }
    }
  }
  return out;
}

}  // namespace

ITensor rope_forward(const ITensor& x, int64_t n_heads, const RopeTable& rope, const std::vector<int64_t>& positions) {
  return rope_apply(x, n_heads, rope, positions, false);
}

ITensor rope_backward(const ITensor& dx, int64_t n_heads, const RopeTable& rope, const std::vector<int64_t>& positions) {
  ITensor out = rope_apply(dx, n_heads, rope, positions, true);
  check_gradients(out, "RoPE input gradient");
  return out;
}

// ---- Attention -----------------------------------------------------------------------------------------------

AttentionOut attention_forward(const AttentionShape& sh, const ITensor& q, const ITensor& k, const ITensor& v) {
  const int64_t hd = sh.head_dim, group = sh.n_heads / sh.n_kv_heads, T = sh.batch * sh.seq;
  require(q.shape == std::vector<int64_t>{T, sh.n_heads * hd} && k.shape == std::vector<int64_t>{T, sh.n_kv_heads * hd} &&
              v.shape == k.shape,
          "attention: q " + shape_string(q.shape) + ", k " + shape_string(k.shape) + " do not match the shape");
  const int64_t c = inv_sqrt_head_dim(hd);
  AttentionOut out{ITensor({T, sh.n_heads * hd}), ITensor({sh.batch, sh.n_heads, sh.seq, sh.seq})};
  parallel_for(static_cast<size_t>(sh.batch * sh.n_heads), 0, [&](size_t job) {
    const int64_t b = static_cast<int64_t>(job) / sh.n_heads, head = static_cast<int64_t>(job) % sh.n_heads;
    const int64_t g = head / group;
    std::vector<int64_t> s(static_cast<size_t>(sh.seq)), e(static_cast<size_t>(sh.seq));
    int64_t* p = out.p.data.data() + (b * sh.n_heads + head) * sh.seq * sh.seq;
    for (int64_t t = 0; t < sh.seq; ++t) {
      const int64_t* qr = q.row(b * sh.seq + t) + head * hd;
      for (int64_t u = 0; u <= t; ++u) {
        const int64_t* kr = k.row(b * sh.seq + u) + g * hd;
        i128 dot = 0;
        for (int64_t i = 0; i < hd; ++i) dot += static_cast<i128>(qr[i]) * kr[i];
        s[static_cast<size_t>(u)] = attention_score(dot, c);
      }
      int64_t* pr = p + t * sh.seq;
      const auto n = static_cast<size_t>(t + 1);
      (void)softmax_row(std::span<const int64_t>(s.data(), n), std::span<int64_t>(e.data(), n),
                        std::span<int64_t>(pr, n));
      int64_t* orow = out.o.row(b * sh.seq + t) + head * hd;
      for (int64_t i = 0; i < hd; ++i) {
        i128 acc = 0;
        for (int64_t u = 0; u <= t; ++u) acc += static_cast<i128>(pr[u]) * v.row(b * sh.seq + u)[g * hd + i];
        orow[i] = to_i64_checked(round_shift(acc, kProb), "attention output");
      }
    }
  }, grain_for(static_cast<size_t>(sh.seq * sh.seq * hd)));
  return out;
}

AttentionGrad attention_backward(const AttentionShape& sh, const ITensor& q, const ITensor& k, const ITensor& v,
                                 const AttentionOut& fwd, const ITensor& d_o) {
  const int64_t hd = sh.head_dim, group = sh.n_heads / sh.n_kv_heads, T = sh.batch * sh.seq;
  const int64_t c = inv_sqrt_head_dim(hd);
  AttentionGrad g{ITensor(q.shape), ITensor(k.shape), ITensor(v.shape)};
  // Per (sequence, kv head): the heads of the group add into dK and dV before the one rounding.
  parallel_for(static_cast<size_t>(sh.batch * sh.n_kv_heads), 0, [&](size_t job) {
    const int64_t b = static_cast<int64_t>(job) / sh.n_kv_heads, kv = static_cast<int64_t>(job) % sh.n_kv_heads;
    std::vector<i128> dk_raw(static_cast<size_t>(sh.seq * hd), 0), dv_raw(static_cast<size_t>(sh.seq * hd), 0);
    std::vector<int64_t> dp(static_cast<size_t>(sh.seq)), ds(static_cast<size_t>(sh.seq));
    for (int64_t head = kv * group; head < (kv + 1) * group; ++head) {
      const int64_t* p = fwd.p.data.data() + (b * sh.n_heads + head) * sh.seq * sh.seq;
      for (int64_t t = 0; t < sh.seq; ++t) {
        const int64_t row = b * sh.seq + t;
        const int64_t* dor = d_o.row(row) + head * hd;
        const int64_t* pr = p + t * sh.seq;
        i128 pdp = 0;
        // dP over every u, masked or not (the proof forms the whole product before the mask's zero probabilities
        // remove the masked entries): each a gradient below 2^47.
        for (int64_t u = 0; u < sh.seq; ++u) {
          const int64_t* vr = v.row(b * sh.seq + u) + kv * hd;
          i128 dot = 0;
          for (int64_t i = 0; i < hd; ++i) dot += static_cast<i128>(dor[i]) * vr[i];
          const i128 dpu = round_shift(dot, kAct);
          check_bits(dpu, kFixed.grad_bits, "attention probability gradient");
          if (u > t) continue;
          dp[static_cast<size_t>(u)] = static_cast<int64_t>(dpu);
          pdp += static_cast<i128>(pr[u]) * dp[static_cast<size_t>(u)];
          for (int64_t i = 0; i < hd; ++i) dv_raw[static_cast<size_t>(u * hd + i)] += static_cast<i128>(pr[u]) * dor[i];
        }
        const i128 ct = round_shift(pdp, kProb);
        check_bits(ct, kFixed.grad_bits, "attention gradient mean");
        for (int64_t u = 0; u <= t; ++u) {
          const i128 dsu = round_shift(pr[u] * (dp[static_cast<size_t>(u)] - ct), kProb);
          check_bits(dsu, kFixed.grad_bits, "attention score gradient");
          ds[static_cast<size_t>(u)] = static_cast<int64_t>(dsu);
        }
        const int64_t* qr = q.row(row) + head * hd;
        int64_t* dqr = g.dq.row(row) + head * hd;
        for (int64_t i = 0; i < hd; ++i) {
          i128 acc = 0;
          for (int64_t u = 0; u <= t; ++u) acc += static_cast<i128>(ds[static_cast<size_t>(u)]) * k.row(b * sh.seq + u)[kv * hd + i];
          dqr[i] = to_i64_checked(round_shift(acc * c, kAct + kUnit), "query gradient");
        }
        for (int64_t u = 0; u <= t; ++u) {
          for (int64_t i = 0; i < hd; ++i) dk_raw[static_cast<size_t>(u * hd + i)] += static_cast<i128>(ds[static_cast<size_t>(u)]) * qr[i];
        }
      }
    }
    for (int64_t u = 0; u < sh.seq; ++u) {
      int64_t* dkr = g.dk.row(b * sh.seq + u) + kv * hd;
      int64_t* dvr = g.dv.row(b * sh.seq + u) + kv * hd;
      for (int64_t i = 0; i < hd; ++i) {
        dkr[i] = to_i64_checked(round_shift(dk_raw[static_cast<size_t>(u * hd + i)] * c, kAct + kUnit), "key gradient");
        dvr[i] = to_i64_checked(round_shift(dv_raw[static_cast<size_t>(u * hd + i)], kProb), "value gradient");
      }
    }
  }, grain_for(static_cast<size_t>(3 * group * sh.seq * sh.seq * hd)));
  (void)T;
  check_gradients(g.dq, "query gradient");
  check_gradients(g.dk, "key gradient");
  check_gradients(g.dv, "value gradient");
  return g;
}

// ---- SwiGLU ----------------------------------------------------------------------------------------------

SwigluOut swiglu_forward(const ITensor& gate, const ITensor& up) {
  require(gate.shape == up.shape, "swiglu: gate " + shape_string(gate.shape) + " and up " + shape_string(up.shape));
  SwigluOut out{ITensor(gate.shape), ITensor(gate.shape)};
  parallel_for(static_cast<size_t>(gate.numel()), 0, [&](size_t i) {
    const int64_t g = gate.data[i];
    const int64_t s = sigmoid_fixed(g);
    out.sigma.data[i] = s;
    out.h.data[i] = to_i64_checked(round_shift(static_cast<i128>(g) * s * up.data[i], kUnit + kAct), "SwiGLU output");
  }, grain_for(8));
  return out;
}

void swiglu_backward(const ITensor& gate, const ITensor& up, const SwigluOut& fwd, const ITensor& dh, ITensor& d_gate,
                     ITensor& d_up) {
  d_gate = ITensor(gate.shape);
  d_up = ITensor(gate.shape);
  const i128 one = i128{1} << kUnit;
  parallel_for(static_cast<size_t>(gate.numel()), 0, [&](size_t i) {
    const i128 s = fwd.sigma.data[i];
    const i128 du = round_shift(static_cast<i128>(dh.data[i]) * gate.data[i] * s, kAct + kUnit);
    check_bits(du, kFixed.grad_bits, "up gradient");
    d_up.data[i] = static_cast<int64_t>(du);
    // silu' = sigma (1 + g (1 - sigma)) = sigma + t2, each product rounded once.
    const i128 t2 = round_shift(static_cast<i128>(gate.data[i]) * (one - s) * s, kAct + kUnit);
    const i128 dg = round_shift(static_cast<i128>(dh.data[i]) * up.data[i] * (s + t2), kAct + kUnit);
    check_bits(dg, kFixed.grad_bits, "gate gradient");
    d_gate.data[i] = static_cast<int64_t>(dg);
  }, grain_for(8));
}

// ---- Cross-entropy ------------------------------------------------------------------------------------------

CrossEntropyOut cross_entropy(const ITensor& logits, const std::vector<int32_t>& targets) {
  const int64_t rows = logits.shape[0], vocab = logits.shape[1];
  require(static_cast<int64_t>(targets.size()) == rows, "cross_entropy: one target per row");
  CrossEntropyOut out{0, 0, ITensor(logits.shape)};
  std::vector<int64_t> loss(static_cast<size_t>(rows), 0);
  parallel_for(static_cast<size_t>(rows), 0, [&](size_t ti) {
    const int64_t t = static_cast<int64_t>(ti);
    const int32_t y = targets[ti];
    if (y < 0) return;
    require(y < vocab, "cross_entropy: target outside the vocabulary");
    const int64_t* z = logits.row(t);
    std::vector<int64_t> p(static_cast<size_t>(vocab));
    const SoftmaxRow row = softmax_row(std::span<const int64_t>(z, static_cast<size_t>(vocab)), {}, p);
    loss[ti] = row.max + log_fixed(row.sum) - z[y];
    int64_t* dz = out.d_logits.row(t);
    for (int64_t j = 0; j < vocab; ++j) {
      dz[j] = (p[static_cast<size_t>(j)] - (j == y ? (int64_t{1} << kProb) : 0)) * (int64_t{1} << (kGrad - kProb));
    }
  }, grain_for(static_cast<size_t>(4 * vocab)));
  for (size_t t = 0; t < targets.size(); ++t) {
    if (targets[t] >= 0) {
      out.loss_sum += loss[t];
      ++out.count;
    }
  }
  return out;
}

}  // namespace zklora
