// RMSNorm's backward pass with its roundings and the row mean's division proven (rmsnorm_backward_op.h).
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
constexpr TensorRef kC = TensorRef::helper(0), kRemDn = TensorRef::helper(1), kRemM = TensorRef::helper(2),
                    kRemX = TensorRef::helper(3), kDn = TensorRef::helper(4), kM = TensorRef::helper(5),
                    kRho = TensorRef::helper(6), kSlack = TensorRef::helper(7);
constexpr unsigned kShiftDn = kFixed.weight;  // 16
constexpr unsigned kShiftM = kFixed.act;      // 16
constexpr unsigned kShiftX = kFixed.rsqrt;    // 32

std::span<const Fr> head(std::span<const Fr> z, size_t n) { return z.subspan(0, n); }
std::span<const Fr> tail(std::span<const Fr> z, size_t n) { return z.subspan(n); }

template <class Claim>
std::vector<Claim> joined(std::span<const Claim> a, const std::vector<Claim>& b) {
  std::vector<Claim> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
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
  return static_cast<unsigned>(std::bit_width((d_ << (kFixed.act + 1)) - 1));
}

std::vector<std::vector<uint64_t>> RmsNormBackwardOp::input_dims() const { return {dims_, {d_}, dims_, rows_}; }

std::vector<TensorDecl> RmsNormBackwardOp::outputs() const { return {{"", dims_, kGradientRange, false}}; }

std::vector<TensorDecl> RmsNormBackwardOp::helpers() const {
  const RangeSpec q{rho_bits(), false};
  return {{"mean", rows_, kGradientRange, true},
          {"normalized_remainder", dims_, RangeSpec{kShiftDn, false}, true},
          {"projection_remainder", dims_, RangeSpec{kShiftM, false}, true},
          {"remainder", dims_, RangeSpec{kShiftX, false}, true},
          {"normalized_grad", dims_, kGradientRange, false},
          {"projection", dims_, kGradientRange, false},
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
  const ITensor dx = rmsnorm_backward(fwd, gain, dy);
  std::vector<int64_t> c(rows), rem_dn(size), rem_m(size), rem_x(size), dn(size), m(size), rho(rows), slack(rows);
  const i128 den = static_cast<i128>(d) << kFixed.act;
  parallel_for(rows, threads, [&](size_t t) {
    i128 dot = 0;
    for (size_t i = 0; i < d; ++i) {
      const size_t at = t * d + i;
      const i128 x = static_cast<i128>(dy.data[at]) * gain.data[i];
      const i128 q = round_shift(x, kShiftDn);
      dn[at] = static_cast<int64_t>(q);
      rem_dn[at] = static_cast<int64_t>(x + (i128{1} << (kShiftDn - 1)) - (q << kShiftDn));
      dot += q * fwd.n.data[at];
    }
    const i128 ct = div_round(dot, den);
    c[t] = static_cast<int64_t>(ct);
    rho[t] = static_cast<int64_t>(2 * dot + den - 2 * ct * den);
    slack[t] = static_cast<int64_t>(2 * den - 1 - rho[t]);
    for (size_t i = 0; i < d; ++i) {
      const size_t at = t * d + i;
      const i128 y = static_cast<i128>(fwd.n.data[at]) * ct;
      const i128 mq = round_shift(y, kShiftM);
      m[at] = static_cast<int64_t>(mq);
      rem_m[at] = static_cast<int64_t>(y + (i128{1} << (kShiftM - 1)) - (mq << kShiftM));
      const i128 w = (static_cast<i128>(dn[at]) - mq) * fwd.r[t];
      const i128 xq = round_shift(w, kShiftX);
      rem_x[at] = static_cast<int64_t>(w + (i128{1} << (kShiftX - 1)) - (xq << kShiftX));
      if (xq != dx.data[at]) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "rmsnorm backward: the relations disagree with the engine");
      }
    }
  }, grain_for(4 * d));
  OpWitness out;
  out.outputs = {OwnedTable(dx.data)};
  for (auto* x : {&c, &rem_dn, &rem_m, &rem_x, &dn, &m, &rho, &slack}) out.helpers.emplace_back(std::move(*x));
  return out;
}

void RmsNormBackwardOp::prove(OpProver& p) const {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  const size_t nt = size_t{1} << vt, ni = size_t{1} << vi;
  const Fr den = Fr::from_u64(d_ << kFixed.act);
  std::vector<ProverClaim> dn_made, m_made;

  // (X)
  if (const std::optional<ProverClaim> x = p.combined_claim(kDx)) {
    const auto zt = head(x->point, vt), zi = tail(x->point, vt);
    const ProverValue rem = p.evaluate(kRemX, x->point, "rmsnorm-bwd-x-remainder");
    const ProverValue sum = x->value * pow2_fr(kShiftX) - pow2_fr(kShiftX - 1) * selector_eval(dims_, x->point) + rem;
    const std::vector<Fr> ei = eq_table(zi, Fr::one(), threads);
    std::vector<Fr> dnf = combine_cols(p.tensor(kDn).padded(), ni, ei, threads);
    std::vector<Fr> mf = combine_cols(p.tensor(kM).padded(), ni, ei, threads);
    dnf.resize(nt, Fr::zero());
    mf.resize(nt, Fr::zero());
    std::vector<Fr> u(nt);
    for (size_t t = 0; t < nt; ++t) u[t] = dnf[t] - mf[t];
    const SumcheckShape sh = SumcheckShape::product(vt, {zt.begin(), zt.end()});
    SumcheckProverResult r =
        sumcheck_prove(ch, sh, {to_field(p.tensor(kR).padded(), nt, threads), std::move(u)}, sum, threads);
    const ProverValue re = p.evaluate(kR, r.point, "rmsnorm-bwd-rsqrt-eval");
    const ProverValue dne = ch.send("rmsnorm-bwd-dn-eval", mle_evaluate(TableView(dnf), r.point, threads));
    const ProverValue me = ch.send("rmsnorm-bwd-m-eval", mle_evaluate(TableView(mf), r.point, threads));
    const ProverValue evs[2] = {re, dne - me};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    const std::vector<Fr> at = concat_points({r.point, zi});
    dn_made.push_back({at, dne});
    m_made.push_back({at, me});
  }
  // (M)
  if (const std::vector<ProverClaim> mc = joined(p.claims(kM), m_made); !mc.empty()) {
    const ProverClaim c = mc.size() == 1 ? mc[0] : combine_claims_prove(ch, p.tensor(kM).padded(), vt + vi, mc, threads);
    const auto zt = head(c.point, vt), zi = tail(c.point, vt);
    const ProverValue rem = p.evaluate(kRemM, c.point, "rmsnorm-bwd-m-remainder");
    const ProverValue sum = c.value * pow2_fr(kShiftM) - pow2_fr(kShiftM - 1) * selector_eval(dims_, c.point) + rem;
    std::vector<Fr> nf = combine_cols(p.tensor(kN).padded(), ni, eq_table(zi, Fr::one(), threads), threads);
    nf.resize(nt, Fr::zero());
    const SumcheckShape sh = SumcheckShape::product(vt, {zt.begin(), zt.end()});
    SumcheckProverResult r =
        sumcheck_prove(ch, sh, {to_field(p.tensor(kC).padded(), nt, threads), std::move(nf)}, sum, threads);
    const ProverValue evs[2] = {p.evaluate(kC, r.point, "rmsnorm-bwd-mean-eval"),
                                p.evaluate(kN, concat_points({r.point, zi}), "rmsnorm-bwd-n-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
  // (C)
  std::vector<ProverClaim> rho_claims(p.claims(kRho).begin(), p.claims(kRho).end());
  for (const ProverClaim& s : p.claims(kSlack)) {
    rho_claims.push_back({s.point, s.value * (-Fr::one()) + (den + den - Fr::one()) * selector_eval(rows_, s.point)});
  }
  if (!rho_claims.empty()) {
    const ProverClaim c = rho_claims.size() == 1
                              ? rho_claims[0]
                              : combine_claims_prove(ch, p.tensor(kRho).padded(), vt, rho_claims, threads);
    const ProverValue ce = p.evaluate(kC, c.point, "rmsnorm-bwd-mean-at-div");
    const ProverValue dot = (c.value - den * selector_eval(rows_, c.point) + ce * (den + den)) * Fr::from_u64(2).inverse();
    SumcheckShape sh = SumcheckShape::product(vt + vi, c.point);
    SumcheckProverResult r = sumcheck_prove(
        ch, sh,
        {to_field(p.tensor(kDn).padded(), nt * ni, threads), to_field(p.tensor(kN).padded(), nt * ni, threads)}, dot,
        threads);
    const ProverValue dne = ch.send("rmsnorm-bwd-dn-at-dot", r.evaluations[0]);
    const ProverValue evs[2] = {dne, p.evaluate(kN, r.point, "rmsnorm-bwd-n-at-dot")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    dn_made.push_back({r.point, dne});
  }
  // (DN)
  if (const std::vector<ProverClaim> dc = joined(p.claims(kDn), dn_made); !dc.empty()) {
    const ProverClaim c = dc.size() == 1 ? dc[0] : combine_claims_prove(ch, p.tensor(kDn).padded(), vt + vi, dc, threads);
    const auto zt = head(c.point, vt), zi = tail(c.point, vt);
    const ProverValue rem = p.evaluate(kRemDn, c.point, "rmsnorm-bwd-dn-remainder");
    const ProverValue sum = c.value * pow2_fr(kShiftDn) - pow2_fr(kShiftDn - 1) * selector_eval(dims_, c.point) + rem;
    std::vector<Fr> dyf = combine_rows(p.tensor(kDy).padded(), ni, eq_table(zt, Fr::one(), threads), threads);
    const SumcheckShape sh = SumcheckShape::product(vi, {zi.begin(), zi.end()});
    SumcheckProverResult r =
        sumcheck_prove(ch, sh, {to_field(p.tensor(kG).padded(), ni, threads), std::move(dyf)}, sum, threads);
    const ProverValue evs[2] = {p.evaluate(kG, r.point, "rmsnorm-bwd-gain-eval"),
                                p.evaluate(kDy, concat_points({zt, r.point}), "rmsnorm-bwd-dy-eval")};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
}

Status RmsNormBackwardOp::verify(OpVerifier& v) const {
  VerifierChannel& ch = v.ch();
  const unsigned vt = tensor_vars(rows_), vi = log2_ceil(d_);
  const Fr den = Fr::from_u64(d_ << kFixed.act);
  std::vector<VerifierClaim> dn_made, m_made;
  const auto combined = [&](const std::vector<VerifierClaim>& claims, unsigned vars) -> Result<VerifierClaim> {
    if (claims.size() == 1) return claims[0];
    return combine_claims_verify(ch, vars, claims);
  };

  auto x = v.combined_claim(kDx);
  if (!x) return x.error();
  if (x->has_value()) {
    const VerifierClaim& c = **x;
    const auto zi = tail(c.point, vt);
    auto rem = v.evaluate(kRemX, c.point, "rmsnorm-bwd-x-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShiftX) - pow2_fr(kShiftX - 1) * selector_eval(dims_, c.point) + rem.value();
    const auto zt = head(c.point, vt);
    const SumcheckShape sh = SumcheckShape::product(vt, {zt.begin(), zt.end()});
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto re = v.evaluate(kR, r->point, "rmsnorm-bwd-rsqrt-eval");
    if (!re) return re.error();
    auto dne = ch.receive("rmsnorm-bwd-dn-eval");
    if (!dne) return dne.error();
    auto me = ch.receive("rmsnorm-bwd-m-eval");
    if (!me) return me.error();
    const VerifierValue evs[2] = {re.value(), dne.value() - me.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
    const std::vector<Fr> at = concat_points({r->point, zi});
    dn_made.push_back({at, dne.value()});
    m_made.push_back({at, me.value()});
  }
  if (const std::vector<VerifierClaim> mc = joined(v.claims(kM), m_made); !mc.empty()) {
    auto cc = combined(mc, vt + vi);
    if (!cc) return cc.error();
    const VerifierClaim& c = cc.value();
    const auto zt = head(c.point, vt), zi = tail(c.point, vt);
    auto rem = v.evaluate(kRemM, c.point, "rmsnorm-bwd-m-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShiftM) - pow2_fr(kShiftM - 1) * selector_eval(dims_, c.point) + rem.value();
    const SumcheckShape sh = SumcheckShape::product(vt, {zt.begin(), zt.end()});
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto ce = v.evaluate(kC, r->point, "rmsnorm-bwd-mean-eval");
    if (!ce) return ce.error();
    auto ne = v.evaluate(kN, concat_points({r->point, zi}), "rmsnorm-bwd-n-eval");
    if (!ne) return ne.error();
    const VerifierValue evs[2] = {ce.value(), ne.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  std::vector<VerifierClaim> rho_claims(v.claims(kRho).begin(), v.claims(kRho).end());
  for (const VerifierClaim& s : v.claims(kSlack)) {
    rho_claims.push_back({s.point, s.value * (-Fr::one()) + (den + den - Fr::one()) * selector_eval(rows_, s.point)});
  }
  if (!rho_claims.empty()) {
    auto cc = combined(rho_claims, vt);
    if (!cc) return cc.error();
    const VerifierClaim& c = cc.value();
    auto ce = v.evaluate(kC, c.point, "rmsnorm-bwd-mean-at-div");
    if (!ce) return ce.error();
    const VerifierValue dot =
        (c.value - den * selector_eval(rows_, c.point) + ce.value() * (den + den)) * Fr::from_u64(2).inverse();
    const SumcheckShape sh = SumcheckShape::product(vt + vi, c.point);
    auto r = sumcheck_verify(ch, sh, dot);
    if (!r) return r.error();
    auto dne = ch.receive("rmsnorm-bwd-dn-at-dot");
    if (!dne) return dne.error();
    auto ne = v.evaluate(kN, r->point, "rmsnorm-bwd-n-at-dot");
    if (!ne) return ne.error();
    const VerifierValue evs[2] = {dne.value(), ne.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
    dn_made.push_back({r->point, dne.value()});
  }
  if (const std::vector<VerifierClaim> dc = joined(v.claims(kDn), dn_made); !dc.empty()) {
    auto cc = combined(dc, vt + vi);
    if (!cc) return cc.error();
    const VerifierClaim& c = cc.value();
    const auto zt = head(c.point, vt), zi = tail(c.point, vt);
    auto rem = v.evaluate(kRemDn, c.point, "rmsnorm-bwd-dn-remainder");
    if (!rem) return rem.error();
    const VerifierValue sum =
        c.value * pow2_fr(kShiftDn) - pow2_fr(kShiftDn - 1) * selector_eval(dims_, c.point) + rem.value();
    const SumcheckShape sh = SumcheckShape::product(vi, {zi.begin(), zi.end()});
    auto r = sumcheck_verify(ch, sh, sum);
    if (!r) return r.error();
    auto ge = v.evaluate(kG, r->point, "rmsnorm-bwd-gain-eval");
    if (!ge) return ge.error();
    auto dye = v.evaluate(kDy, concat_points({zt, r->point}), "rmsnorm-bwd-dy-eval");
    if (!dye) return dye.error();
    const VerifierValue evs[2] = {ge.value(), dye.value()};
    if (Status s = sumcheck_verify_final(ch, sh, r->expected, evs); !s) return s;
  }
  return {};
}

}  // namespace zklora
