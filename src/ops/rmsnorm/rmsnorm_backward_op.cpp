// RMSNorm's backward pass with its rounding and the row mean's division proven (rmsnorm_backward_op.h).
#include "zklora/ops/rmsnorm/rmsnorm_backward_op.h"

#include <bit>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/fixed/arith.h"
#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/piop/claims.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

constexpr TensorRef kDy = TensorRef::input(0), kG = TensorRef::input(1), kN = TensorRef::input(2),
                    kR = TensorRef::input(3);
constexpr TensorRef kDx = TensorRef::output(0);
constexpr TensorRef kC = TensorRef::helper(0), kRemX = TensorRef::helper(1), kRho = TensorRef::helper(2),
                    kSlack = TensorRef::helper(3);
constexpr unsigned kShiftC = kFixed.weight + kFixed.act;    // 32: dy g n over d 2^32
constexpr unsigned kShiftX = kFixed.weight + kFixed.rsqrt;  // 48

std::span<const Fr> head(std::span<const Fr> z, size_t n) { return z.subspan(0, n); }
std::span<const Fr> tail(std::span<const Fr> z, size_t n) { return z.subspan(n); }

// The gain broadcast over rows: G[t ni + i] = g[i] (zero past d).
std::vector<Fr> broadcast_gain(const TableView& g, size_t nt, size_t ni, int threads) {
  const std::vector<Fr> gf = to_field(g, ni, threads);
  std::vector<Fr> out(nt * ni);
  parallel_for(nt, threads, [&](size_t t) { std::copy(gf.begin(), gf.end(), out.begin() + static_cast<ptrdiff_t>(t * ni)); },
               grain_for(ni));
  return out;
}

}  // namespace

RmsNormBackwardOp::RmsNormBackwardOp(std::vector<uint64_t> dims) : dims_(std::move(dims)) {
  if (dims_.size() < 2 || dims_.back() == 0 || dims_.back() >= (uint64_t{1} << 16)) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm backward: need rows and a width in [1, 2^16)");
  }
  d_ = dims_.back();
  rows_.assign(dims_.begin(), dims_.end() - 1);
}

unsigned RmsNormBackwardOp::rho_bits() const {
  return static_cast<unsigned>(std::bit_width((d_ << (kShiftC + 1)) - 1));
}

std::vector<std::vector<uint64_t>> RmsNormBackwardOp::input_dims() const { return {dims_, {d_}, dims_, rows_}; }

std::vector<TensorDecl> RmsNormBackwardOp::outputs() const { return {{"", dims_, kGradientRange, false}}; }

std::vector<TensorDecl> RmsNormBackwardOp::helpers() const {
  const RangeSpec q{rho_bits(), false};
  return {{"mean", rows_, kGradientRange, true},
          {"remainder", dims_, RangeSpec{kShiftX, false}, true},
          {"mean_remainder", rows_, q, false},
          {"mean_slack", rows_, q, false}};
}

void RmsNormBackwardOp::absorb(Transcript& t) const {
  t.domain("op-rmsnorm-backward");
  absorb_dims(t, "dims", dims_);
}

OpWitness RmsNormBackwardOp::compute(std::span<const TableView> in, int threads) const {
  const size_t d = d_, rows = PaddedShape(rows_).numel(), size = rows * d;
  const auto T = static_cast<int64_t>(rows), D = static_cast<int64_t>(d);
  ITensor dy({T, D});
  dy.data = view_to_i64(in[0]);
  const std::vector<int64_t> g64 = view_to_i64(in[1]);
  WTensor gain({D});
  for (size_t i = 0; i < d; ++i) {
    if (g64[i] < INT32_MIN || g64[i] > INT32_MAX) throw ZkError(ErrorCode::OUT_OF_RANGE, "rmsnorm backward: a gain past 32 bits");
    gain.data[i] = static_cast<int32_t>(g64[i]);
  }
  RmsNormOut fwd;
  fwd.n = ITensor({T, D});
  fwd.n.data = view_to_i64(in[2]);
  fwd.r = view_to_i64(in[3]);
  const ITensor dx = rmsnorm_backward(fwd, gain, dy);  // refuses what would pass 127 bits below
  std::vector<int64_t> c(rows), rem_x(size), rho(rows), slack(rows);
  const i128 den = static_cast<i128>(d) << kShiftC;
  parallel_for(rows, threads, [&](size_t t) {
    i128 dot = 0;
    for (size_t i = 0; i < d; ++i) {
      const size_t at = t * d + i;
      dot += static_cast<i128>(dy.data[at]) * gain.data[i] * fwd.n.data[at];
    }
    const i128 ct = div_round(dot, den);
    c[t] = static_cast<int64_t>(ct);
    rho[t] = static_cast<int64_t>(2 * (dot - ct * den) + den);
    slack[t] = static_cast<int64_t>(2 * den - 1 - rho[t]);
    for (size_t i = 0; i < d; ++i) {
      const size_t at = t * d + i;
      const i128 w = (static_cast<i128>(dy.data[at]) * gain.data[i] - static_cast<i128>(fwd.n.data[at]) * ct) * fwd.r[t];
      const i128 xq = round_shift(w, kShiftX);
      rem_x[at] = static_cast<int64_t>(w + (i128{1} << (kShiftX - 1)) - (xq << kShiftX));
      if (xq != dx.data[at]) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm backward: the relations disagree with the engine");
      }
    }
  }, grain_for(4 * d));
  OpWitness out;
  out.outputs = {OwnedTable(dx.data)};
  for (auto* x : {&c, &rem_x, &rho, &slack}) out.helpers.emplace_back(std::move(*x));
  return out;
}

void RmsNormBackwardOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  const size_t nt = size_t{1} << vt, ni = size_t{1} << vi;
  const Fr den = Fr::from_u64(d_) * pow2_fr(kShiftC);

  // (X), then (F) on the value of F it leaves.
  if (const std::optional<ProverClaim> x = p.combined_claim(kDx)) {
    const auto zt = head(x->point, vt), zi = tail(x->point, vt);
    const ProverValue rem = p.evaluate(kRemX, x->point, "rmsnorm-bwd-x-remainder");
    const ProverValue sum = x->value * pow2_fr(kShiftX) - pow2_fr(kShiftX - 1) * selector_eval(dims_, x->point) + rem;
    const std::vector<Fr> ei = eq_table(zi, Fr::one(), threads);
    const std::vector<Fr> gf = to_field(p.tensor(kG).padded(), ni, threads);
    std::vector<Fr> wi(ni);
    for (size_t i = 0; i < ni; ++i) wi[i] = ei[i] * gf[i];
    std::vector<Fr> ff = combine_cols(p.tensor(kDy).padded(), ni, wi, threads);
    std::vector<Fr> nf = combine_cols(p.tensor(kN).padded(), ni, ei, threads);
    ff.resize(nt, Fr::zero());
    nf.resize(nt, Fr::zero());
    const SumcheckShape sh =
        SumcheckShape::of(vt, {zt.begin(), zt.end()}, 4, {{Fr::one(), {0, 1}}, {-Fr::one(), {0, 2, 3}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh,
        {to_field(p.tensor(kR).padded(), nt, threads), std::move(ff), to_field(p.tensor(kC).padded(), nt, threads),
         std::move(nf)},
        sum, threads);
    const ProverValue re = p.evaluate(kR, r.point, "rmsnorm-bwd-rsqrt-eval");
    const ProverValue fe = ch.send("rmsnorm-bwd-f-eval", r.evaluations[1]);
    const ProverValue ce = p.evaluate(kC, r.point, "rmsnorm-bwd-mean-eval");
    const ProverValue ne = p.evaluate(kN, concat_points({r.point, zi}), "rmsnorm-bwd-n-eval");
    const ProverValue evs[4] = {re, fe, ce, ne};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    // (F): F(rho) = sum_i eq(z_i, i) g(i) dy~(rho, i).
    std::vector<Fr> dyf = combine_rows(p.tensor(kDy).padded(), ni, eq_table(r.point, Fr::one(), threads), threads);
    const SumcheckShape fs = SumcheckShape::product(vi, {zi.begin(), zi.end()});
    SumcheckProverResult rf = sumcheck_prove(ch, fs, {gf, std::move(dyf)}, fe, threads);
    const ProverValue fevs[2] = {p.evaluate(kG, rf.point, "rmsnorm-bwd-gain-eval"),
                                 p.evaluate(kDy, concat_points({r.point, rf.point}), "rmsnorm-bwd-dy-eval")};
    sumcheck_prove_final(ch, fs, rf.final_value, fevs);
  }
  // (C)
  std::vector<ProverClaim> rho_claims(p.claims(kRho).begin(), p.claims(kRho).end());
  for (const ProverClaim& s : p.claims(kSlack)) {
    rho_claims.push_back({s.point, s.value * (-Fr::one()) + (den + den - Fr::one()) * selector_eval(rows_, s.point)});
  }
  if (!rho_claims.empty()) {
    const ProverClaim c = combine_claims_prove(ch, p.tensor(kRho).padded(), vt, rho_claims, threads);  // one: itself
    const ProverValue ce = p.evaluate(kC, c.point, "rmsnorm-bwd-mean-at-div");
    const ProverValue dot = (c.value - den * selector_eval(rows_, c.point) + ce * (den + den)) * Fr::from_u64(2).inverse();
    const SumcheckShape sh = SumcheckShape::of(vt + vi, c.point, 3, {{Fr::one(), {0, 1, 2}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh,
        {to_field(p.tensor(kDy).padded(), nt * ni, threads), broadcast_gain(p.tensor(kG).padded(), nt, ni, threads),
         to_field(p.tensor(kN).padded(), nt * ni, threads)},
        dot, threads);
    const ProverValue evs[3] = {p.evaluate(kDy, r.point, "rmsnorm-bwd-dy-at-dot"),
                                p.evaluate(kG, tail(r.point, vt), "rmsnorm-bwd-gain-at-dot"),
                                p.evaluate(kN, r.point, "rmsnorm-bwd-n-at-dot")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
}

Status RmsNormBackwardOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  const Fr den = Fr::from_u64(d_) * pow2_fr(kShiftC);

  auto x = v.combined_claim(kDx);
  if (!x) return x.error();
  if (x->has_value()) {
    const VerifierClaim& c = **x;
    const auto zt = head(c.point, vt), zi = tail(c.point, vt);
    auto rem = v.evaluate(kRemX, c.point, "rmsnorm-bwd-x-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShiftX) - pow2_fr(kShiftX - 1) * selector_eval(dims_, c.point) + rem.value();
    const SumcheckShape sh =
        SumcheckShape::of(vt, {zt.begin(), zt.end()}, 4, {{Fr::one(), {0, 1}}, {-Fr::one(), {0, 2, 3}}});
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto re = v.evaluate(kR, r->point, "rmsnorm-bwd-rsqrt-eval");
    if (!re) return re.error();
    auto fe = ch.receive("rmsnorm-bwd-f-eval");
    if (!fe) return fe.error();
    auto ce = v.evaluate(kC, r->point, "rmsnorm-bwd-mean-eval");
    if (!ce) return ce.error();
    auto ne = v.evaluate(kN, concat_points({r->point, zi}), "rmsnorm-bwd-n-eval");
    if (!ne) return ne.error();
    const VerifierValue evs[4] = {re.value(), fe.value(), ce.value(), ne.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
    const SumcheckShape fs = SumcheckShape::product(vi, {zi.begin(), zi.end()});
    auto rf = sumcheck_verify(ch, fs, fe.value());
    if (!rf) return rf.error();
    auto ge = v.evaluate(kG, rf->point, "rmsnorm-bwd-gain-eval");
    if (!ge) return ge.error();
    auto dye = v.evaluate(kDy, concat_points({r->point, rf->point}), "rmsnorm-bwd-dy-eval");
    if (!dye) return dye.error();
    const VerifierValue fevs[2] = {ge.value(), dye.value()};
    if (Status s = sumcheck_verify_final(ch, fs, rf->expected, fevs); !s) return s;
  }
  std::vector<VerifierClaim> rho_claims(v.claims(kRho).begin(), v.claims(kRho).end());
  for (const VerifierClaim& s : v.claims(kSlack)) {
    rho_claims.push_back({s.point, s.value * (-Fr::one()) + (den + den - Fr::one()) * selector_eval(rows_, s.point)});
  }
  if (!rho_claims.empty()) {
    auto cc = combine_claims_verify(ch, vt, rho_claims);  // one claim: itself
    if (!cc) return cc.error();
    const VerifierClaim& c = cc.value();
    auto ce = v.evaluate(kC, c.point, "rmsnorm-bwd-mean-at-div");
    if (!ce) return ce.error();
    const VerifierValue dot =
        (c.value - den * selector_eval(rows_, c.point) + ce.value() * (den + den)) * Fr::from_u64(2).inverse();
    const SumcheckShape sh = SumcheckShape::of(vt + vi, c.point, 3, {{Fr::one(), {0, 1, 2}}});
    auto r = sumcheck_verify(ch, sh, dot);
    if (!r) return r.error();
    auto dye = v.evaluate(kDy, r->point, "rmsnorm-bwd-dy-at-dot");
    if (!dye) return dye.error();
    auto ge = v.evaluate(kG, tail(r->point, vt), "rmsnorm-bwd-gain-at-dot");
    if (!ge) return ge.error();
    auto ne = v.evaluate(kN, r->point, "rmsnorm-bwd-n-at-dot");
    if (!ne) return ne.error();
    const VerifierValue evs[3] = {dye.value(), ge.value(), ne.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  return {};
}

}  // namespace zklora
