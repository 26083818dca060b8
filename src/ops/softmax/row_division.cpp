// The rounded division of a row-wise softmax (row_division.h).
#include "row_division.h"

#include "zklora/piop/claims.h"
#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora::row_division {
namespace {

unsigned all_vars(const RowDivision& d) { return tensor_vars(d.dims); }
std::vector<uint64_t> col_dims(const RowDivision& d) { return {d.dims.back()}; }

}  // namespace

std::vector<Fr> with_halves(std::span<const Fr> w, unsigned vars) {
  std::vector<Fr> out(w.begin(), w.end());
  const Fr half = Fr::from_u64(2).inverse();
  for (unsigned i = 0; i < vars; ++i) out.push_back(half);
  return out;
}

void prove(OpProver& p, const RowDivision& d, const std::vector<Fr>& sums, std::vector<ProverClaim>& s_claims,
           std::vector<ProverClaim>& e_claims) {
  ProverChannel& ch = p.ch();
  const int threads = p.threads();
  const unsigned rows = d.row_vars;
  const size_t nr = size_t{1} << rows, nc = size_t{1} << (all_vars(d) - rows);
  const auto sum_eval = [&](std::span<const Fr> w) {
    const ProverValue sv = ch.send(d.label + "-sum-eval", mle_evaluate(TableView(sums), w, threads));
    s_claims.push_back({{w.begin(), w.end()}, sv});
    return sv;
  };
  std::vector<ProverClaim> rho_claims(p.claims(d.rho).begin(), p.claims(d.rho).end());
  // sigma = 2 Sb - sel - rho
  for (const ProverClaim& c : p.claims(d.sigma)) {
    const ProverValue sv = sum_eval(head(c.point, rows));
    const Fr su = selector_eval(col_dims(d), tail(c.point, rows));
    rho_claims.push_back({c.point, sv * (su + su) - selector_eval(d.dims, c.point) - c.value});
  }
  if (rho_claims.empty()) return;
  // rho = 2^17 e + Sb - 2 p Sb: 2 sum_rows eq(zr, row) S(row) pf(row) = 2^17 e~ + S~(zr) sel(zc) - rho~
  const ProverClaim rc = rho_claims.size() == 1
                             ? rho_claims[0]
                             : combine_claims_prove(ch, p.tensor(d.rho).padded(), all_vars(d), rho_claims, threads);
  const auto zr = head(rc.point, rows), zc = tail(rc.point, rows);
  const ProverValue ev = ch.send(d.label + "-e-eval", mle_evaluate(p.tensor(d.e).padded(), rc.point, threads));
  e_claims.push_back({rc.point, ev});
  const ProverValue sv = sum_eval(zr);
  const ProverValue target =
      (ev * pow2_fr(d.prob_bits + 1) + sv * selector_eval(col_dims(d), zc) - rc.value) * Fr::from_u64(2).inverse();
  std::vector<Fr> pf = combine_cols(p.tensor(d.p).padded(), nc, eq_table(zc, Fr::one(), threads), threads);
  pf.resize(nr, Fr::zero());
  const SumcheckShape sh = SumcheckShape::product(rows, {zr.begin(), zr.end()});
  SumcheckProverResult r = sumcheck_prove(ch, sh, {sums, std::move(pf)}, target, threads);
  const ProverValue se = sum_eval(r.point);
  const ProverValue pe = p.evaluate(d.p, concat_points({r.point, zc}), d.label + "-p-eval");
  const ProverValue evs[2] = {se, pe};
  sumcheck_prove_final(ch, sh, r.final_value, evs);
}

Status verify(OpVerifier& vv, const RowDivision& d, std::vector<VerifierClaim>& s_claims,
              std::vector<VerifierClaim>& e_claims) {
  VerifierChannel& ch = vv.ch();
  const unsigned rows = d.row_vars;
  const auto sum_eval = [&](std::span<const Fr> w) -> Result<VerifierValue> {
    auto sv = ch.receive(d.label + "-sum-eval");
    if (!sv) return sv.error();
    s_claims.push_back({{w.begin(), w.end()}, sv.value()});
    return sv.value();
  };
  std::vector<VerifierClaim> rho_claims(vv.claims(d.rho).begin(), vv.claims(d.rho).end());
  for (const VerifierClaim& c : vv.claims(d.sigma)) {
    auto sv = sum_eval(head(c.point, rows));
    if (!sv) return sv.error();
    const Fr su = selector_eval(col_dims(d), tail(c.point, rows));
    rho_claims.push_back({c.point, sv.value() * (su + su) - selector_eval(d.dims, c.point) - c.value});
  }
  if (rho_claims.empty()) return {};
  VerifierClaim rc;
  if (rho_claims.size() == 1) {
    rc = rho_claims[0];
  } else {
    auto c = combine_claims_verify(ch, all_vars(d), rho_claims);
    if (!c) return c.error();
    rc = std::move(c.value());
  }
  const auto zr = head(rc.point, rows), zc = tail(rc.point, rows);
  auto ev = ch.receive(d.label + "-e-eval");
  if (!ev) return ev.error();
  e_claims.push_back({rc.point, ev.value()});
  auto sv = sum_eval(zr);
  if (!sv) return sv.error();
  const VerifierValue target = (ev.value() * pow2_fr(d.prob_bits + 1) + sv.value() * selector_eval(col_dims(d), zc) -
                                rc.value) * Fr::from_u64(2).inverse();
  const SumcheckShape sh = SumcheckShape::product(rows, {zr.begin(), zr.end()});
  auto r = sumcheck_verify(ch, sh, target);
  if (!r) return r.error();
  auto se = sum_eval(r->point);
  if (!se) return se.error();
  auto pe = vv.evaluate(d.p, concat_points({r->point, zc}), d.label + "-p-eval");
  if (!pe) return pe.error();
  const VerifierValue evs[2] = {se.value(), pe.value()};
  return sumcheck_verify_final(ch, sh, r->expected, evs);
}

}  // namespace zklora::row_division
