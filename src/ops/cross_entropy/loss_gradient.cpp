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

using row_division::head;
using row_division::tail;

// p = div_round(e 2^16, S) over the rows (b, s) and the vocabulary.
row_division::RowDivision division(uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v) {
  return {{batch, seq, vocab}, v.rows(), kProbBits, kRho, kSigma, kE, kProb, "loss-grad"};
}

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

  row_division::prove(p, division(batch, seq, vocab, v), sums, s_claims, e_claims);
}

Status verify_loss_gradient(OpVerifier& vv, uint64_t batch, uint64_t seq, uint64_t vocab, const Vars& v,
                            std::vector<VerifierClaim>& s_claims, std::vector<VerifierClaim>& e_claims) {
  VerifierChannel& ch = vv.ch();
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

  return row_division::verify(vv, division(batch, seq, vocab, v), s_claims, e_claims);
}

}  // namespace zklora::loss_detail
