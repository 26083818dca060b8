// The group sums and the softmax's backward pass of grouped-query attention (attention_backward_ops.h).
#include "zklora/ops/attention/attention_backward_ops.h"

#include <string>

#include "head_layout.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {

using namespace head_layout;  // Layout, part (head_layout.h)

namespace {

constexpr TensorRef kIn0 = TensorRef::input(0), kIn1 = TensorRef::input(1), kOut = TensorRef::output(0);
constexpr TensorRef kC = TensorRef::helper(0), kRemC = TensorRef::helper(1), kRemS = TensorRef::helper(2);
constexpr unsigned kShift = kFixed.prob;  // 16

}  // namespace

// ---- Group sums -----------------------------------------------------------------------------------------------

AttentionGroupSumOp::AttentionGroupSumOp(HeadShape shape) : s_(shape) { s_.validate(); }

std::vector<std::vector<uint64_t>> AttentionGroupSumOp::input_dims() const {
  return {{s_.batch, s_.heads, s_.seq, s_.seq}, {s_.batch, s_.seq, s_.heads * s_.head_dim}};
}

std::vector<TensorDecl> AttentionGroupSumOp::outputs() const {
  return {{"", {s_.batch, s_.seq, s_.kv_heads * s_.head_dim}, {}, false}};
}

void AttentionGroupSumOp::absorb(Transcript& t) const {
  t.domain("op-attention-group-sum");
  absorb_dims(t, "shape", std::vector<uint64_t>{s_.batch, s_.seq, s_.heads, s_.kv_heads, s_.head_dim});
}

OpWitness AttentionGroupSumOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> y = view_to_i64(in[0]), x = view_to_i64(in[1]);
  const size_t B = s_.batch, S = s_.seq, H = s_.heads, G = s_.kv_heads, hd = s_.head_dim, R = s_.group();
  std::vector<i128> w(B * S * G * hd);
  parallel_for(B * G, threads, [&](size_t bg) {
    const size_t b = bg / G, g = bg % G;
    for (size_t h = g * R; h < (g + 1) * R; ++h) {
      for (size_t t = 0; t < S; ++t) {
        const int64_t* yr = y.data() + ((b * H + h) * S + t) * S;
        const int64_t* xr = x.data() + ((b * S + t) * H + h) * hd;
        for (size_t u = 0; u < S; ++u) {
          if (yr[u] == 0) continue;
          i128* wr = w.data() + ((b * S + u) * G + g) * hd;
          for (size_t i = 0; i < hd; ++i) wr[i] += static_cast<i128>(yr[u]) * xr[i];
        }
      }
    }
  });
  OpWitness out;
  out.outputs.push_back(exact_table(w));
  return out;
}

void AttentionGroupSumOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(kOut);
  if (!y) return;
  const Layout L(s_);
  const int threads = p.threads();
  const std::span<const Fr> z = y->point;
  const auto zb = part(z, 0, L.vb), zu = part(z, L.vb, L.vs), zg = part(z, L.vb + L.vs, L.vg),
             zi = part(z, L.vb + L.vs + L.vg, L.vi);
  std::vector<Fr> yf = combine_cols(p.tensor(kIn0).padded(), L.s, eq_table(zu, Fr::one(), threads), threads);
  yf.resize(L.b * L.h * L.s, Fr::zero());
  // X (b, t, h, i) folded over i: (b, t, h); swapped to (b, h, t).
  const std::vector<Fr> xf = combine_cols(p.tensor(kIn1).padded(), L.i, eq_table(zi, Fr::one(), threads), threads);
  std::vector<Fr> xs(yf.size());
  parallel_for(L.b * L.h, threads, [&](size_t bh) {
    const size_t b = bh / L.h, h = bh % L.h;
    for (size_t t = 0; t < L.s; ++t) {
      const size_t at = (b * L.s + t) * L.h + h;
      xs[bh * L.s + t] = at < xf.size() ? xf[at] : Fr::zero();
    }
  });
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vs, concat_points({zb, zg}));
  SumcheckProverResult r = sumcheck_prove(p.ch(), sh, {std::move(yf), std::move(xs)}, y->value, threads);
  const std::span<const Fr> rp = r.point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rt = part(rp, L.vb + L.vh, L.vs);
  const ProverValue evs[2] = {p.evaluate(kIn0, concat_points({rb, rh, rt, zu}), "attention-group-y-eval"),
                              p.evaluate(kIn1, concat_points({rb, rt, rh, zi}), "attention-group-x-eval")};
  sumcheck_prove_final(p.ch(), sh, r.final_value, evs);
}

Status AttentionGroupSumOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(kOut);
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const Layout L(s_);
  const std::span<const Fr> z = (*y)->point;
  const auto zb = part(z, 0, L.vb), zu = part(z, L.vb, L.vs), zg = part(z, L.vb + L.vs, L.vg),
             zi = part(z, L.vb + L.vs + L.vg, L.vi);
  const SumcheckShape sh = SumcheckShape::product(L.vb + L.vh + L.vs, concat_points({zb, zg}));
  auto r = sumcheck_verify(v.ch(), sh, (*y)->value);
  if (!r) return r.error();
  const std::span<const Fr> rp = r->point;
  const auto rb = part(rp, 0, L.vb), rh = part(rp, L.vb, L.vh), rt = part(rp, L.vb + L.vh, L.vs);
  auto ye = v.evaluate(kIn0, concat_points({rb, rh, rt, zu}), "attention-group-y-eval");
  if (!ye) return ye.error();
  auto xe = v.evaluate(kIn1, concat_points({rb, rt, rh, zi}), "attention-group-x-eval");
  if (!xe) return xe.error();
  const VerifierValue evs[2] = {ye.value(), xe.value()};
  return sumcheck_verify_final(v.ch(), sh, r->expected, evs);
}

// ---- Softmax backward -------------------------------------------------------------------------------------------

SoftmaxBackwardOp::SoftmaxBackwardOp(uint64_t batch, uint64_t heads, uint64_t seq)
    : batch_(batch), heads_(heads), seq_(seq) {
  if (batch_ == 0 || heads_ == 0 || seq_ == 0) throw ZkError(ErrorCode::INVALID_ARGUMENT, "softmax backward: empty");
}

std::vector<std::vector<uint64_t>> SoftmaxBackwardOp::input_dims() const { return {dims(), dims()}; }

std::vector<TensorDecl> SoftmaxBackwardOp::outputs() const { return {{"", dims(), kGradientRange, false}}; }

std::vector<TensorDecl> SoftmaxBackwardOp::helpers() const {
  return {{"mean", rows(), kGradientRange, true},
          {"mean_remainder", rows(), RangeSpec{kShift, false}, true},
          {"remainder", dims(), RangeSpec{kShift, false}, true}};
}

void SoftmaxBackwardOp::absorb(Transcript& t) const {
  t.domain("op-softmax-backward");
  absorb_dims(t, "dims", dims());
}

OpWitness SoftmaxBackwardOp::compute(std::span<const TableView> in, int threads) const {
  const std::vector<int64_t> pr = view_to_i64(in[0]), dp = view_to_i64(in[1]);
  const size_t n = seq_, nrows = batch_ * heads_ * seq_;
  std::vector<int64_t> ds(nrows * n), c(nrows), rem_c(nrows), rem_s(nrows * n);
  const i128 half = i128{1} << (kShift - 1);
  parallel_for(nrows, threads, [&](size_t row) {
    i128 pdp = 0;
    for (size_t u = 0; u < n; ++u) pdp += static_cast<i128>(pr[row * n + u]) * dp[row * n + u];
    const i128 ct = round_shift(pdp, kShift);
    check_bits(ct, kFixed.grad_bits, "attention gradient mean");
    c[row] = static_cast<int64_t>(ct);
    rem_c[row] = static_cast<int64_t>(pdp + half - (ct << kShift));
    for (size_t u = 0; u < n; ++u) {
      const size_t at = row * n + u;
      const i128 x = static_cast<i128>(pr[at]) * (dp[at] - ct);
      const i128 q = round_shift(x, kShift);
      check_bits(q, kFixed.grad_bits, "attention score gradient");
      ds[at] = static_cast<int64_t>(q);
      rem_s[at] = static_cast<int64_t>(x + half - (q << kShift));
    }
  }, grain_for(4 * n));
  OpWitness out;
  out.outputs.emplace_back(std::move(ds));
  for (auto* x : {&c, &rem_c, &rem_s}) out.helpers.emplace_back(std::move(*x));
  return out;
}

void SoftmaxBackwardOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vr = tensor_vars(rows()), vu = log2_ceil(seq_), vall = vr + vu;
  const size_t nall = size_t{1} << vall, nu = size_t{1} << vu;
  const auto field = [&](TensorRef r) { return to_field(p.tensor(r).padded(), nall, threads); };
  // (S)
  if (const std::optional<ProverClaim> d = p.combined_claim(kOut)) {
    const ProverValue rem = p.evaluate(kRemS, d->point, "softmax-bwd-remainder");
    const ProverValue sum = d->value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims(), d->point) + rem;
    const std::vector<Fr> c = to_field(p.tensor(kC).padded(), size_t{1} << vr, threads);
    std::vector<Fr> cb(nall);
    parallel_for(nall, threads, [&](size_t i) { cb[i] = c[i / nu]; }, grain_for(64));
    const SumcheckShape sh = SumcheckShape::of(vall, d->point, 3, {{Fr::one(), {0, 1}}, {-Fr::one(), {0, 2}}});
    SumcheckProverResult r = sumcheck_prove(ch, sh, {field(kIn0), field(kIn1), std::move(cb)}, sum, threads);
    const ProverValue evs[3] = {p.evaluate(kIn0, r.point, "softmax-bwd-p-eval"),
                                p.evaluate(kIn1, r.point, "softmax-bwd-dp-eval"),
                                p.evaluate(kC, std::span<const Fr>(r.point).subspan(0, vr), "softmax-bwd-mean-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
  // (C)
  const std::vector<Fr> zr = ch.challenges("softmax-bwd-row-point", vr);
  const ProverValue ce = p.evaluate(kC, zr, "softmax-bwd-mean-at-row");
  const ProverValue re = p.evaluate(kRemC, zr, "softmax-bwd-mean-remainder");
  const ProverValue sum = ce * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(rows(), zr) + re;
  const SumcheckShape sh = SumcheckShape::of(vall, zr, 2, {{Fr::one(), {0, 1}}});
  SumcheckProverResult r = sumcheck_prove(ch, sh, {field(kIn0), field(kIn1)}, sum, threads);
  const ProverValue evs[2] = {p.evaluate(kIn0, r.point, "softmax-bwd-p-at-row"),
                              p.evaluate(kIn1, r.point, "softmax-bwd-dp-at-row")};
  sumcheck_prove_final(ch, sh, r.final_value, evs);
}

Status SoftmaxBackwardOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned vr = tensor_vars(rows()), vu = log2_ceil(seq_), vall = vr + vu;
  auto d = v.combined_claim(kOut);
  if (!d) return d.error();
  if (d->has_value()) {
    const VerifierClaim& c = **d;
    auto rem = v.evaluate(kRemS, c.point, "softmax-bwd-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(dims(), c.point) + rem.value();
    const SumcheckShape sh = SumcheckShape::of(vall, c.point, 3, {{Fr::one(), {0, 1}}, {-Fr::one(), {0, 2}}});
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto pe = v.evaluate(kIn0, r->point, "softmax-bwd-p-eval");
    if (!pe) return pe.error();
    auto de = v.evaluate(kIn1, r->point, "softmax-bwd-dp-eval");
    if (!de) return de.error();
    auto ce = v.evaluate(kC, std::span<const Fr>(r->point).subspan(0, vr), "softmax-bwd-mean-eval");
    if (!ce) return ce.error();
    const VerifierValue evs[3] = {pe.value(), de.value(), ce.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  const std::vector<Fr> zr = ch.challenges("softmax-bwd-row-point", vr);
  auto ce = v.evaluate(kC, zr, "softmax-bwd-mean-at-row");
  if (!ce) return ce.error();
  auto re = v.evaluate(kRemC, zr, "softmax-bwd-mean-remainder");
  if (!re) return re.error();
  const VerifierValue sum = ce.value() * pow2_fr(kShift) - pow2_fr(kShift - 1) * selector_eval(rows(), zr) + re.value();
  const SumcheckShape sh = SumcheckShape::of(vall, zr, 2, {{Fr::one(), {0, 1}}});
  auto r = sumcheck_verify(ch, sh, sum);
  if (!r) return r.error();
  auto pe = v.evaluate(kIn0, r->point, "softmax-bwd-p-at-row");
  if (!pe) return pe.error();
  auto de = v.evaluate(kIn1, r->point, "softmax-bwd-dp-at-row");
  if (!de) return de.error();
  const VerifierValue evs[2] = {pe.value(), de.value()};
  return sumcheck_verify_final(ch, sh, r->expected, evs);
}

}  // namespace zklora
