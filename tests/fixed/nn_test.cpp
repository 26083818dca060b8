// Every fixed-point operation, forward and backward, against a float64 reference computed from the same
// (dequantized) inputs; the matrix kernels against exact int128 products; overflow reported, never wrapped.
#include "zklora/fixed/nn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/base/types.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/kernels.h"

namespace zklora {
namespace {

using Vec = std::vector<double>;

struct Rng {
  std::mt19937_64 g{7};
  double normal(double s) { return std::normal_distribution<double>(0.0, s)(g); }
};

ITensor quantize(const std::vector<int64_t>& shape, const Vec& x, unsigned f) {
  ITensor t(shape);
  for (size_t i = 0; i < x.size(); ++i) t.data[i] = std::llround(std::ldexp(x[i], static_cast<int>(f)));
  return t;
}
WTensor quantize_w(const std::vector<int64_t>& shape, const Vec& x) {
  WTensor t(shape);
  for (size_t i = 0; i < x.size(); ++i) t.data[i] = static_cast<int32_t>(std::llround(std::ldexp(x[i], kFixed.weight)));
  return t;
}
template <class T>
Vec dequantize(const Tensor<T>& t, unsigned f) {
  Vec v(t.data.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::ldexp(static_cast<double>(t.data[i]), -static_cast<int>(f));
  return v;
}
Vec randn(Rng& r, size_t n, double s) {
  Vec v(n);
  for (double& x : v) x = r.normal(s);
  return v;
}
// ||a - b|| / ||b||
double rel_err(const Vec& a, const Vec& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
  return std::sqrt(num / den);
}

// Row-major helpers for the references.
Vec matmul_nt_ref(const Vec& x, const Vec& w, int64_t m, int64_t k, int64_t n) {
  Vec y(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t t = 0; t < k; ++t) y[i * n + j] += x[i * k + t] * w[j * k + t];
  return y;
}

TEST(Kernels, NarrowAndWidePathsAreExact) {
  std::mt19937_64 g(1);
  for (const int64_t mag : {int64_t{1000}, int64_t{1} << 40}) {  // int64 path, then int128 path
    ITensor x({5, 7}), w({3, 7});
    WTensor w32({3, 7});
    for (auto& v : x.data) v = static_cast<int64_t>(g() % (2 * mag)) - mag;
    for (size_t i = 0; i < w.data.size(); ++i) w32.data[i] = static_cast<int32_t>(w.data[i] = static_cast<int64_t>(g() % 2000) - 1000);
    for (const unsigned s : {0u, 3u, 16u}) {
      const ITensor y = matmul_nt(x, w, s), y32 = matmul_nt(x, w32, s);
      ITensor wt({7, 3});
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 7; ++j) wt.at2(j, i) = w.at2(i, j);
      const ITensor y_nn = matmul_nn(x, wt, s);
      ITensor xt({7, 5});
      for (int64_t i = 0; i < 5; ++i)
        for (int64_t j = 0; j < 7; ++j) xt.at2(j, i) = x.at2(i, j);
      const ITensor y_tn = matmul_tn(xt, wt, s);
      for (int64_t i = 0; i < 5; ++i) {
        for (int64_t j = 0; j < 3; ++j) {
          i128 acc = 0;
          for (int64_t t = 0; t < 7; ++t) acc += static_cast<i128>(x.at2(i, t)) * w.at2(j, t);
          const int64_t expect = static_cast<int64_t>(s == 0 ? acc : (acc + (i128{1} << (s - 1))) >> s);
          ASSERT_EQ(y.at2(i, j), expect);
          ASSERT_EQ(y32.at2(i, j), expect);
          ASSERT_EQ(y_nn.at2(i, j), expect);
          ASSERT_EQ(y_tn.at2(i, j), expect);
        }
      }
    }
  }
  EXPECT_THROW((void)matmul_nt(ITensor({2, 3}), ITensor({2, 4}), 0), ZkError);
}

TEST(NnRmsNorm, ForwardAndBackwardMatchFloat) {
  Rng r;
  const int64_t T = 6, d = 64;
  const double eps = 1e-5;
  for (const double scale : {0.02, 1.0, 30.0}) {
    const Vec x = randn(r, T * d, scale), g = randn(r, d, 0.1), dy = randn(r, T * d, 0.5);
    Vec gain(d);
    for (int64_t i = 0; i < d; ++i) gain[i] = 1.0 + g[i];
    const ITensor xq = quantize({T, d}, x, kFixed.act);
    const WTensor gq = quantize_w({d}, gain);
    const RmsNormOut out = rmsnorm_forward(xq, gq, eps);
    const ITensor dx = rmsnorm_backward(out, gq, quantize({T, d}, dy, kFixed.grad));
    const Vec xd = dequantize(xq, kFixed.act), gd = dequantize(gq, kFixed.weight);
    Vec y_ref(T * d), dx_ref(T * d);
    for (int64_t t = 0; t < T; ++t) {
      double ms = 0;
      for (int64_t i = 0; i < d; ++i) ms += xd[t * d + i] * xd[t * d + i];
      const double rinv = 1.0 / std::sqrt(ms / d + eps);
      double dot = 0;
      for (int64_t i = 0; i < d; ++i) {
        y_ref[t * d + i] = xd[t * d + i] * rinv * gd[i];
        dot += dy[t * d + i] * gd[i] * xd[t * d + i];
      }
      for (int64_t i = 0; i < d; ++i) {
        dx_ref[t * d + i] = rinv * dy[t * d + i] * gd[i] - xd[t * d + i] * rinv * rinv * rinv * dot / d;
      }
    }
    EXPECT_LT(rel_err(dequantize(out.y, kFixed.act), y_ref), 2e-4) << scale;
    EXPECT_LT(rel_err(dequantize(dx, kFixed.grad), dx_ref), 2e-3) << scale;
  }
}

TEST(NnProjection, LoraForwardAndBackwardMatchFloat) {
  Rng r;
  const int64_t T = 10, in = 48, out = 40, rank = 4;
  const Vec y = randn(r, T * in, 1.0), w = randn(r, out * in, 0.05), a = randn(r, rank * in, 0.1),
            b = randn(r, out * rank, 0.05), dout = randn(r, T * out, 0.3);
  const double s = 2.0;  // alpha / rank
  const ITensor yq = quantize({T, in}, y, kFixed.act), aq = quantize({rank, in}, a, kFixed.lora),
                bq = quantize({out, rank}, b, kFixed.lora), dq = quantize({T, out}, dout, kFixed.grad);
  const WTensor wq = quantize_w({out, in}, w);
  const int64_t sq = std::llround(std::ldexp(s, kFixed.unit));
  const ProjectionOut fwd = projection_forward(yq, wq, aq, bq, sq);
  InputGradient dy(T, in, true);
  const ProjectionGrad g = projection_backward(yq, wq, aq, bq, sq, fwd.a, dq, &dy);
  EXPECT_EQ(dy.shift(), kFixed.lora);

  const Vec yd = dequantize(yq, kFixed.act), wd = dequantize(wq, kFixed.weight), ad = dequantize(aq, kFixed.lora),
            bd = dequantize(bq, kFixed.lora);
  const Vec z = matmul_nt_ref(yd, wd, T, in, out), xa = matmul_nt_ref(yd, ad, T, in, rank),
            l = matmul_nt_ref(xa, bd, T, rank, out);
  Vec out_ref(T * out);
  for (size_t i = 0; i < out_ref.size(); ++i) out_ref[i] = z[i] + s * l[i];
  EXPECT_LT(rel_err(dequantize(fwd.out, kFixed.act), out_ref), 1e-4);

  // dy = dout W + s (dout B) A;  dB = s dout^T xa;  dA = s (dout B)^T y
  Vec dy_ref(T * in, 0.0), db_ref(out * rank, 0.0), da_ref(rank * in, 0.0), dxa(T * rank, 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t i = 0; i < in; ++i) dy_ref[t * in + i] += dout[t * out + o] * wd[o * in + i];
      for (int64_t k = 0; k < rank; ++k) {
        dxa[t * rank + k] += s * dout[t * out + o] * bd[o * rank + k];
        db_ref[o * rank + k] += s * dout[t * out + o] * xa[t * rank + k];
      }
    }
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < rank; ++k)
      for (int64_t i = 0; i < in; ++i) {
        dy_ref[t * in + i] += dxa[t * rank + k] * ad[k * in + i];
        da_ref[k * in + i] += dxa[t * rank + k] * yd[t * in + i];
      }
  EXPECT_LT(rel_err(dequantize(dy.round("input gradient"), kFixed.grad), dy_ref), 1e-4);
  EXPECT_LT(rel_err(dequantize(g.d_b, kFixed.grad), db_ref), 1e-4);
  EXPECT_LT(rel_err(dequantize(g.d_a, kFixed.grad), da_ref), 1e-4);

  // Without an adapter the output is the base product alone.
  const ProjectionOut base = projection_forward(yq, wq, ITensor(), ITensor(), sq);
  EXPECT_LT(rel_err(dequantize(base.out, kFixed.act), z), 1e-4);
  EXPECT_EQ(base.a.numel(), 0);
}

TEST(NnRope, ForwardAndBackwardAreTheRotationAndItsTranspose) {
  Rng r;
  const int64_t T = 12, heads = 2, hd = 16, width = heads * hd;
  const RopeTable rope = make_rope_table(T, hd, 10000.0);
  std::vector<int64_t> pos(T);
  for (int64_t t = 0; t < T; ++t) pos[t] = t;
  const Vec x = randn(r, T * width, 1.0);
  const ITensor xq = quantize({T, width}, x, kFixed.act);
  const Vec xd = dequantize(xq, kFixed.act);
  const Vec y = dequantize(rope_forward(xq, heads, rope, pos), kFixed.act);
  const Vec back = dequantize(rope_backward(quantize({T, width}, y, kFixed.act), heads, rope, pos), kFixed.act);
  Vec y_ref(T * width);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < hd / 2; ++i) {
        const double ang = static_cast<double>(t) * std::pow(10000.0, -2.0 * static_cast<double>(i) / hd);
        const double x1 = xd[t * width + h * hd + i], x2 = xd[t * width + h * hd + hd / 2 + i];
        y_ref[t * width + h * hd + i] = x1 * std::cos(ang) - x2 * std::sin(ang);
        y_ref[t * width + h * hd + hd / 2 + i] = x2 * std::cos(ang) + x1 * std::sin(ang);
      }
  EXPECT_LT(rel_err(y, y_ref), 5e-5);
  EXPECT_LT(rel_err(back, xd), 1e-4);  // the transpose of a rotation is its inverse
}

TEST(NnAttention, ForwardAndBackwardMatchFloat) {
  Rng r;
  const AttentionShape sh{2, 9, 4, 2, 8};
  const int64_t T = sh.batch * sh.seq, dq_w = sh.n_heads * sh.head_dim, dk_w = sh.n_kv_heads * sh.head_dim;
  const Vec q = randn(r, T * dq_w, 1.5), k = randn(r, T * dk_w, 1.5), v = randn(r, T * dk_w, 1.0),
            dout = randn(r, T * dq_w, 0.5);
  const ITensor qq = quantize({T, dq_w}, q, kFixed.act), kq = quantize({T, dk_w}, k, kFixed.act),
                vq = quantize({T, dk_w}, v, kFixed.act);
  const AttentionOut fwd = attention_forward(sh, qq, kq, vq);
  const AttentionGrad g = attention_backward(sh, qq, kq, vq, fwd, quantize({T, dq_w}, dout, kFixed.grad));
  const Vec qd = dequantize(qq, kFixed.act), kd = dequantize(kq, kFixed.act), vd = dequantize(vq, kFixed.act);
  const int64_t hd = sh.head_dim, group = sh.n_heads / sh.n_kv_heads;
  Vec o_ref(T * dq_w, 0.0), dq_ref(T * dq_w, 0.0), dk_ref(T * dk_w, 0.0), dv_ref(T * dk_w, 0.0);
  const double c = 1.0 / std::sqrt(static_cast<double>(hd));
  for (int64_t b = 0; b < sh.batch; ++b)
    for (int64_t h = 0; h < sh.n_heads; ++h) {
      const int64_t gk = h / group;
      for (int64_t t = 0; t < sh.seq; ++t) {
        const int64_t rt = b * sh.seq + t;
        Vec s(t + 1), p(t + 1), dp(t + 1);
        double m = -1e300, sum = 0;
        for (int64_t u = 0; u <= t; ++u) {
          double dot = 0;
          for (int64_t i = 0; i < hd; ++i) dot += qd[rt * dq_w + h * hd + i] * kd[(b * sh.seq + u) * dk_w + gk * hd + i];
          s[u] = dot * c;
          m = std::max(m, s[u]);
        }
        for (int64_t u = 0; u <= t; ++u) sum += p[u] = std::exp(s[u] - m);
        double pdp = 0;
        for (int64_t u = 0; u <= t; ++u) {
          p[u] /= sum;
          const int64_t ru = b * sh.seq + u;
          double d = 0;
          for (int64_t i = 0; i < hd; ++i) {
            o_ref[rt * dq_w + h * hd + i] += p[u] * vd[ru * dk_w + gk * hd + i];
            d += dout[rt * dq_w + h * hd + i] * vd[ru * dk_w + gk * hd + i];
            dv_ref[ru * dk_w + gk * hd + i] += p[u] * dout[rt * dq_w + h * hd + i];
          }
          dp[u] = d;
          pdp += p[u] * d;
        }
        for (int64_t u = 0; u <= t; ++u) {
          const double ds = p[u] * (dp[u] - pdp) * c;
          const int64_t ru = b * sh.seq + u;
          for (int64_t i = 0; i < hd; ++i) {
            dq_ref[rt * dq_w + h * hd + i] += ds * kd[ru * dk_w + gk * hd + i];
            dk_ref[ru * dk_w + gk * hd + i] += ds * qd[rt * dq_w + h * hd + i];
          }
        }
      }
    }
  EXPECT_LT(rel_err(dequantize(fwd.o, kFixed.act), o_ref), 2e-4);
  EXPECT_LT(rel_err(dequantize(g.dv, kFixed.grad), dv_ref), 2e-4);
  EXPECT_LT(rel_err(dequantize(g.dq, kFixed.grad), dq_ref), 2e-3);
  EXPECT_LT(rel_err(dequantize(g.dk, kFixed.grad), dk_ref), 2e-3);
  // Causality: nothing above the diagonal, rows sum to one.
  for (int64_t row = 0; row < sh.batch * sh.n_heads * sh.seq; ++row) {
    const int64_t t = row % sh.seq;
    int64_t total = 0;
    for (int64_t u = 0; u < sh.seq; ++u) {
      const int64_t p = fwd.p.data[static_cast<size_t>(row * sh.seq + u)];
      if (u > t) {
        ASSERT_EQ(p, 0);
      }
      total += p;
    }
    EXPECT_NEAR(static_cast<double>(total), std::ldexp(1.0, kFixed.prob), static_cast<double>(t + 1));
  }
}

TEST(NnSwiglu, ForwardAndBackwardMatchFloat) {
  Rng r;
  const int64_t n = 4000;
  Vec gate = randn(r, n, 3.0), up = randn(r, n, 1.0);
  gate[0] = 40.0, gate[1] = -40.0, gate[2] = 0.0;  // both saturated ends and the midpoint
  const Vec dh = randn(r, n, 0.5);
  const ITensor gq = quantize({1, n}, gate, kFixed.act), uq = quantize({1, n}, up, kFixed.act);
  const SwigluOut fwd = swiglu_forward(gq, uq);
  ITensor dg, du;
  swiglu_backward(gq, uq, fwd, quantize({1, n}, dh, kFixed.grad), dg, du);
  const Vec gd = dequantize(gq, kFixed.act), ud = dequantize(uq, kFixed.act);
  Vec h_ref(n), dg_ref(n), du_ref(n);
  for (int64_t i = 0; i < n; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-gd[i])), silu = gd[i] * s;
    h_ref[i] = silu * ud[i];
    du_ref[i] = dh[i] * silu;
    dg_ref[i] = dh[i] * ud[i] * (s + gd[i] * s * (1 - s));
  }
  EXPECT_LT(rel_err(dequantize(fwd.h, kFixed.act), h_ref), 5e-4);
  EXPECT_LT(rel_err(dequantize(du, kFixed.grad), du_ref), 5e-4);
  EXPECT_LT(rel_err(dequantize(dg, kFixed.grad), dg_ref), 1e-3);
}

TEST(NnSwiglu, BackwardGradientsPastTheirBoundAreRefused) {
  // At g = 0: sigma = 2^15 and t2 = 0, so dg = dh u 2^15 / 2^32 = 2^46 2^18 / 2^17 = 2^47 leaves |x| < 2^47.
  ITensor g({1, 1}), u({1, 1}), dh({1, 1});
  g.data = {0};
  u.data = {int64_t{1} << 18};
  dh.data = {int64_t{1} << 46};
  const SwigluOut fwd = swiglu_forward(g, u);
  ASSERT_EQ(fwd.sigma.data[0], int64_t{1} << 15);
  ITensor dg, du;
  try {
    swiglu_backward(g, u, fwd, dh, dg, du);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
    EXPECT_NE(std::string(e.what()).find("gate gradient"), std::string::npos) << e.what();
  }
  // Just below the bound passes: dg = 2^47 - 2^30.
  u.data = {(int64_t{1} << 18) - 2};
  EXPECT_NO_THROW(swiglu_backward(g, u, swiglu_forward(g, u), dh, dg, du));
  EXPECT_EQ(dg.data[0], (int64_t{1} << 47) - (int64_t{1} << 30));
}

TEST(NnRmsNorm, BackwardIntermediatesPastTheGradientBoundAreRefused) {
  // dy g = 2^46 2^16 against n = 2^40 in every column: the mean c = 2^46 2^16 2^40 / 2^32 = 2^70 leaves |x| < 2^47.
  const int64_t d = 4;
  WTensor gain({d});
  for (auto& g : gain.data) g = 1 << kFixed.weight;
  RmsNormOut fwd;
  fwd.n = ITensor({1, d});
  for (auto& v : fwd.n.data) v = int64_t{1} << 40;
  fwd.r = {int64_t{1} << 20};
  ITensor dy({1, d});
  for (auto& v : dy.data) v = int64_t{1} << 46;
  try {
    (void)rmsnorm_backward(fwd, gain, dy);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
    EXPECT_NE(std::string(e.what()).find("RMSNorm gradient mean"), std::string::npos) << e.what();
  }
  // Operands whose products would pass 127 bits are refused, not wrapped: a gain of 2^31 - 1 and n of 2^62.
  for (auto& g : gain.data) g = INT32_MAX;
  for (auto& v : fwd.n.data) v = int64_t{1} << 62;
  try {
    (void)rmsnorm_backward(fwd, gain, dy);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
    EXPECT_NE(std::string(e.what()).find("127 bits"), std::string::npos) << e.what();
  }
  // The input gradient itself: (dy g) r / 2^48 = 2^40 2^16 2^40 / 2^48 = 2^48 with n = 0 (c = 0).
  for (auto& g : gain.data) g = 1 << kFixed.weight;
  for (auto& v : fwd.n.data) v = 0;
  fwd.r = {int64_t{1} << 40};
  for (auto& v : dy.data) v = int64_t{1} << 40;
  try {
    (void)rmsnorm_backward(fwd, gain, dy);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_NE(std::string(e.what()).find("RMSNorm input gradient"), std::string::npos) << e.what();
  }
}

TEST(NnCrossEntropy, LossAndGradientMatchFloat) {
  Rng r;
  const int64_t T = 7, V = 300;
  const Vec z = randn(r, T * V, 2.0);
  const ITensor zq = quantize({T, V}, z, kFixed.act);
  std::vector<int32_t> targets = {3, 299, 0, -1, 150, 42, -1};
  const CrossEntropyOut ce = cross_entropy(zq, targets);
  const Vec zd = dequantize(zq, kFixed.act);
  double loss = 0;
  Vec dz_ref(T * V, 0.0);
  for (int64_t t = 0; t < T; ++t) {
    if (targets[t] < 0) continue;
    double m = -1e300, sum = 0;
    for (int64_t v = 0; v < V; ++v) m = std::max(m, zd[t * V + v]);
    for (int64_t v = 0; v < V; ++v) sum += std::exp(zd[t * V + v] - m);
    loss += m + std::log(sum) - zd[t * V + targets[t]];
    for (int64_t v = 0; v < V; ++v) dz_ref[t * V + v] = std::exp(zd[t * V + v] - m) / sum - (v == targets[t] ? 1 : 0);
  }
  EXPECT_EQ(ce.count, 5);
  EXPECT_NEAR(std::ldexp(static_cast<double>(ce.loss_sum), -static_cast<int>(kFixed.act)), loss, 1e-3);
  EXPECT_LT(rel_err(dequantize(ce.d_logits, kFixed.grad), dz_ref), 1e-4);
  for (int64_t v = 0; v < V; ++v) EXPECT_EQ(ce.d_logits.at2(3, v), 0) << "padding rows have no gradient";
}

TEST(NnOverflow, ValuesPastTheFormatAreRefused) {
  // The largest activation the format allows passes; one past it is refused with OUT_OF_RANGE.
  const int64_t d = 8;
  WTensor gain({d});
  for (auto& g : gain.data) g = 1 << kFixed.weight;
  ITensor x({1, d});
  for (auto& v : x.data) v = (int64_t{1} << kFixed.act_bits) - 1;
  EXPECT_NO_THROW((void)rmsnorm_forward(x, gain, 1e-5));
  x.data[3] = int64_t{1} << kFixed.act_bits;
  try {
    (void)rmsnorm_forward(x, gain, 1e-5);
    FAIL() << "expected OUT_OF_RANGE";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ErrorCode::OUT_OF_RANGE);
  }
  // Scores so far apart that the softmax gap leaves the table domain.
  const AttentionShape sh{1, 2, 1, 1, 2};
  ITensor q({2, 2}), k({2, 2}), v({2, 2});
  q.data = {int64_t{1} << 39, 0, int64_t{1} << 39, 0};
  k.data = {int64_t{1} << 39, 0, -(int64_t{1} << 39), 0};
  EXPECT_THROW((void)attention_forward(sh, q, k, v), ZkError);
}

}  // namespace
}  // namespace zklora
