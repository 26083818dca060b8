// The gradient of the summed loss, dz = 2^8 mask (p - 2^16 shift(OH)), with the division p = div_round(e 2^16, S)
// proven (loss_parts.h, cross_entropy_op.h).
#include <string>
#include <type_traits>

#include "loss_parts.h"
#include "zklora/base/threads.h"
#include "zklora/ops/cross_entropy/cross_entropy_op.h"
#include "zklora/piop/claims.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/shape.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora::loss_detail {
namespace {

std::span<const Fr> head(std::span<const Fr> z, size_t n) { return z.subspan(0, n); }
std::span<const Fr> tail(std::span<const Fr> z, size_t n) { return z.subspan(n); }

// The table over rows of X~(row, zv): X folded over its last (vocabulary) variables at zv.
std::vector<Fr> fold_vocab(const TableView& x, size_t nrows, size_t nv, std::span<const Fr> zv, int threads) {
  std::vector<Fr> out = combine_cols(x, nv, eq_table(zv, Fr::one(), threads), threads);
  out.resize(nrows, Fr::zero());
  return out;
}

// shift(X)[b][s] = X[b][s + 1] (zero on the last row of a sequence and past it), for a table over rows.
std::vector<Fr> shift_rows(const std::vector<Fr>& x, uint64_t seq, unsigned s_vars) {
  const size_t ns = size_t{1} << s_vars;
  std::vector<Fr> out(x.size());
  for (size_t t = 0; t + 1 < x.size(); ++t) {
    if (t % ns + 1 < seq) out[t] = x[t + 1];
  }
  return out;
}

}  // namespace

void prove_loss_gradient(OpProver& p, uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v,
                         const std::vector<Fr>& sums, std::vector<ProverClaim>& s_claims,
                         std::vector<ProverClaim>& e_claims) {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const size_t nrows = size_t{1} << v.rows(), nv = size_t{1} << v.v;
  const std::vector<uint64_t> dims{batch, seq, vocab}, vocab_dims{vocab};
  const auto sum_eval = [&](std::span<const Fr> w) {
    const ProverValue sv = ch.send("loss-grad-sum-eval", mle_evaluate(TableView(sums), w, threads));
    s_claims.push_back({{w.begin(), w.end()}, sv});
    return sv;
  };

  // dz~(zr, zv) = sum_rows eq(zr, row) 2^8 mask(row) (P(row) - 2^16 shift(OH)(row)), P and OH folded at zv.
  if (const std::optional<ProverClaim> g = p.combined_claim(kGrad)) {
    const auto zr = head(g->point, v.rows()), zv = tail(g->point, v.rows());
    const std::vector<Fr> pf = fold_vocab(p.tensor(kProb).padded(), nrows, nv, zv, threads);
    const std::vector<Fr> shf = shift_rows(fold_vocab(p.tensor(kOh).padded(), nrows, nv, zv, threads), seq, v.s);
    std::vector<Fr> d(nrows);
    const Fr two16 = pow2_fr(kProbBits);
    parallel_for(nrows, threads, [&](size_t t) { d[t] = pf[t] - two16 * shf[t]; }, grain_for(64));
    const SumcheckShape sh = SumcheckShape::of(v.rows(), {zr.begin(), zr.end()}, 2, {{pow2_fr(kGradShift), {0, 1}}});
    SumcheckProverResult r =
        sumcheck_prove(ch, sh, {to_field(p.tensor(kMask).padded(), nrows, threads), std::move(d)}, g->value, threads);
    const std::vector<Fr> at = concat_points({r.point, zv});
    const ProverValue me = p.evaluate(kMask, r.point, "loss-grad-mask-eval");
    const ProverValue pe = p.evaluate(kProb, at, "loss-grad-prob-eval");
    const ProverValue se = ch.send("loss-grad-target-eval", mle_evaluate(TableView(shf), r.point, threads));
    const ProverValue evs[2] = {me, pe - se * two16};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
    prove_shift(p, kOh, seq, v, v.v, at, se);
  }

  std::vector<ProverClaim> rho_claims(p.claims(kRho).begin(), p.claims(kRho).end());
  // sigma = 2 Sb - sel - rho
  for (const ProverClaim& c : p.claims(kSigma)) {
    const ProverValue sv = sum_eval(head(c.point, v.rows()));
    const Fr su = selector_eval(vocab_dims, tail(c.point, v.rows()));
    rho_claims.push_back({c.point, sv * (su + su) - selector_eval(dims, c.point) - c.value});
  }
  // rho = 2^17 e + Sb - 2 p Sb: 2 sum_rows eq(zr, row) S(row) P(row) = 2^17 e~ + S~(zr) sel(zv) - rho~
  if (!rho_claims.empty()) {
    const ProverClaim rc = rho_claims.size() == 1
                               ? rho_claims[0]
                               : combine_claims_prove(ch, p.tensor(kRho).padded(), v.all(), rho_claims, threads);
    const auto zr = head(rc.point, v.rows()), zv = tail(rc.point, v.rows());
    const ProverValue ev = ch.send("loss-grad-e-eval", mle_evaluate(p.tensor(kE).padded(), rc.point, threads));
    e_claims.push_back({rc.point, ev});
    const ProverValue sv = sum_eval(zr);
    const ProverValue target =
        (ev * pow2_fr(kProbBits + 1) + sv * selector_eval(vocab_dims, zv) - rc.value) * Fr::from_u64(2).inverse();
    const SumcheckShape sh = SumcheckShape::of(v.rows(), {zr.begin(), zr.end()}, 2, {{Fr::one(), {0, 1}}});
    SumcheckProverResult r = sumcheck_prove(
        ch, sh, {sums, fold_vocab(p.tensor(kProb).padded(), nrows, nv, zv, threads)}, target, threads);
    const ProverValue se = sum_eval(r.point);
    const ProverValue pe = p.evaluate(kProb, concat_points({r.point, zv}), "loss-grad-prob-at-div");
    const ProverValue evs[2] = {se, pe};
    sumcheck_prove_final(ch, sh, r.final_value, evs);
  }
}

Status verify_loss_gradient(OpVerifier& vv, uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v,
                            std::vector<VerifierClaim>& s_claims, std::vector<VerifierClaim>& e_claims) {
  VerifierChannel& ch = vv.ch();
  const std::vector<uint64_t> dims{batch, seq, vocab}, vocab_dims{vocab};
  const auto sum_eval = [&](std::span<const Fr> w) -> Result<VerifierValue> {
    auto sv = ch.receive("loss-grad-sum-eval");
    if (!sv) return sv.error();
    s_claims.push_back({{w.begin(), w.end()}, sv.value()});
    return sv.value();
  };

  auto g = vv.combined_claim(kGrad);
  if (!g) return g.error();
  if (g->has_value()) {
    const VerifierClaim& c = **g;
    const auto zr = head(c.point, v.rows()), zv = tail(c.point, v.rows());
    const SumcheckShape sh = SumcheckShape::of(v.rows(), {zr.begin(), zr.end()}, 2, {{pow2_fr(kGradShift), {0, 1}}});
    auto r = sumcheck_verify(ch, sh, c.value);
    if (!r) return r.error();
    const std::vector<Fr> at = concat_points({r->point, zv});
    auto me = vv.evaluate(kMask, r->point, "loss-grad-mask-eval");
    if (!me) return me.error();
    auto pe = vv.evaluate(kProb, at, "loss-grad-prob-eval");
    if (!pe) return pe.error();
    auto se = ch.receive("loss-grad-target-eval");
    if (!se) return se.error();
    const VerifierValue evs[2] = {me.value(), pe.value() - se.value() * pow2_fr(kProbBits)};
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, evs); !st) return st;
    if (Status st = verify_shift(vv, kOh, seq, v, at, se.value()); !st) return st;
  }

  std::vector<VerifierClaim> rho_claims(vv.claims(kRho).begin(), vv.claims(kRho).end());
  for (const VerifierClaim& c : vv.claims(kSigma)) {
    auto sv = sum_eval(head(c.point, v.rows()));
    if (!sv) return sv.error();
    const Fr su = selector_eval(vocab_dims, tail(c.point, v.rows()));
    rho_claims.push_back({c.point, sv.value() * (su + su) - selector_eval(dims, c.point) - c.value});
  }
  if (!rho_claims.empty()) {
    VerifierClaim rc;
    if (rho_claims.size() == 1) {
      rc = rho_claims[0];
    } else {
      auto c = combine_claims_verify(ch, v.all(), rho_claims);
      if (!c) return c.error();
      rc = std::move(c.value());
    }
    const auto zr = head(rc.point, v.rows()), zv = tail(rc.point, v.rows());
    auto ev = ch.receive("loss-grad-e-eval");
    if (!ev) return ev.error();
    e_claims.push_back({rc.point, ev.value()});
    auto sv = sum_eval(zr);
    if (!sv) return sv.error();
    const VerifierValue target = (ev.value() * pow2_fr(kProbBits + 1) + sv.value() * selector_eval(vocab_dims, zv) -
                                  rc.value) * Fr::from_u64(2).inverse();
    const SumcheckShape sh = SumcheckShape::of(v.rows(), {zr.begin(), zr.end()}, 2, {{Fr::one(), {0, 1}}});
    auto r = sumcheck_verify(ch, sh, target);
    if (!r) return r.error();
    auto se = sum_eval(r->point);
    if (!se) return se.error();
    auto pe = vv.evaluate(kProb, concat_points({r->point, zv}), "loss-grad-prob-at-div");
    if (!pe) return pe.error();
    const VerifierValue evs[2] = {se.value(), pe.value()};
    if (Status st = sumcheck_verify_final(ch, sh, r->expected, evs); !st) return st;
  }
  return {};
}

}  // namespace zklora::loss_detail
