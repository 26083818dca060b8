// Claims on committed tensors settled by one batched Hyrax opening (openings.h).
#include "zklora/piop/openings.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "zklora/piop/sumcheck.h"
#include "zklora/poly/mle.h"
#include "zklora/poly/weighted_sum.h"

namespace zklora {
namespace {

// A run of claims to move to one point: the claims (indices into the caller's), the distinct commitments they
// name (in order of first appearance) and, per claim, its commitment's slot among those.
struct Batch {
  unsigned num_vars = 0;
  std::vector<size_t> claims;
  std::vector<size_t> commitments;
  std::vector<size_t> slot;
};

// Claims grouped by their commitment's number of variables (1 to kOpeningBatchVars), each group cut into batches
// of at most kOpeningBatchEntries table entries. Only the claims of commitments claimed at two or more points
// move: a commitment claimed at one point joins the Hyrax group of that point's column half as it is (the limbs of
// a range check, all at their run's LogUp point); and a group whose moving claims share one point is left alone.
template <class Claim>
std::vector<Batch> batches(std::span<const unsigned> vars_of_commitment, std::span<const Claim> claims) {
  std::vector<const std::vector<Fr>*> first_point(vars_of_commitment.size(), nullptr);
  std::vector<bool> many_points(vars_of_commitment.size(), false);
  for (const Claim& c : claims) {
    const std::vector<Fr>*& p = first_point[c.commitment];
    if (p == nullptr) {
      p = &c.claim.point;
    } else if (*p != c.claim.point) {
      many_points[c.commitment] = true;
    }
  }
  std::map<unsigned, std::vector<size_t>> by_vars;
  for (size_t j = 0; j < claims.size(); ++j) {
    const unsigned n = vars_of_commitment[claims[j].commitment];
    if (n >= 1 && n <= kOpeningBatchVars && many_points[claims[j].commitment]) by_vars[n].push_back(j);
  }
  std::vector<Batch> out;
  for (const auto& by : by_vars) {
    const unsigned n = by.first;
    const std::vector<size_t>& js = by.second;  // a reference, not a binding: lambdas below capture it
    const bool one_point = std::all_of(js.begin(), js.end(), [&](size_t j) {
      return claims[j].claim.point == claims[js.front()].claim.point;
    });
    if (one_point) continue;
    const size_t per_batch = std::max<size_t>(1, kOpeningBatchEntries >> n);  // commitments per batch
    Batch b;
    for (const size_t j : js) {
      const size_t c = claims[j].commitment;
      auto it = std::find(b.commitments.begin(), b.commitments.end(), c);
      if (it == b.commitments.end()) {
        if (b.commitments.size() == per_batch) {
          out.push_back(std::move(b));
          b = Batch{};
        }
        b.commitments.push_back(c);
        it = b.commitments.end() - 1;
      }
      b.num_vars = n;
      b.claims.push_back(j);
      b.slot.push_back(static_cast<size_t>(it - b.commitments.begin()));
    }
    out.push_back(std::move(b));
  }
  return out;
}

SumcheckShape batch_shape(const Batch& b) {
  SumcheckShape s;
  s.num_vars = b.num_vars;
  s.num_tables = static_cast<uint32_t>(2 * b.commitments.size());  // W_k, T_k
  for (uint32_t k = 0; k < b.commitments.size(); ++k) s.terms.push_back({Fr::one(), {2 * k, 2 * k + 1}});
  return s;
}

// The points of the claims on a batch's k-th tensor, with their rho: W_k = sum rho_j eq(z_j, x).
template <class Claim>
std::pair<std::vector<const std::vector<Fr>*>, std::vector<Fr>> slot_claims(const Batch& b, size_t k,
                                                                           std::span<const Claim> claims,
                                                                           std::span<const Fr> rho) {
  std::pair<std::vector<const std::vector<Fr>*>, std::vector<Fr>> out;
  for (size_t i = 0; i < b.claims.size(); ++i) {
    if (b.slot[i] != k) continue;
    out.first.push_back(&claims[b.claims[i]].claim.point);
    out.second.push_back(rho[i]);
  }
  return out;
}

template <class Claim>
void absorb_batch(Transcript& t, const Batch& b, std::span<const Claim> claims) {
  t.domain("opening-batch");
  t.absorb_u64("num-vars", b.num_vars);
  t.absorb_u64("claims", b.claims.size());
  for (size_t i = 0; i < b.claims.size(); ++i) {
    t.absorb_u64("commitment", claims[b.claims[i]].commitment);
    t.absorb_frs("point", claims[b.claims[i]].claim.point);
  }
}

// A run of claims on commitments with col_vars column variables, at two or more distinct column points, to move
// to one column point (openings.h, Column points): indices into the list Hyrax would open.
struct ColumnBatch {
  unsigned col_vars = 0;
  std::vector<size_t> claims;
};

std::span<const Fr> row_part(const std::vector<Fr>& z, const HyraxParams& p) {
  return std::span<const Fr>(z).first(p.row_vars);
}
std::vector<Fr> col_part(const std::vector<Fr>& z, const HyraxParams& p) {
  return std::vector<Fr>(z.begin() + p.row_vars, z.end());
}

template <class Claim>
std::vector<ColumnBatch> column_batches(std::span<const HyraxParams> params, std::span<const Claim> claims) {
  std::map<unsigned, std::vector<size_t>> by_cols;
  for (size_t j = 0; j < claims.size(); ++j) {
    const HyraxParams& p = params[claims[j].commitment];
    if (p.col_vars() >= 1) by_cols[p.col_vars()].push_back(j);
  }
  std::vector<ColumnBatch> out;
  for (auto& [c, js] : by_cols) {
    const auto first = col_part(claims[js.front()].claim.point, params[claims[js.front()].commitment]);
    const bool one_point = std::all_of(js.begin(), js.end(), [&](size_t j) {
      return col_part(claims[j].claim.point, params[claims[j].commitment]) == first;
    });
    if (!one_point) out.push_back({c, std::move(js)});
  }
  return out;
}

template <class Claim>
void absorb_column_batch(Transcript& t, const ColumnBatch& b, std::span<const Claim> claims) {
  t.domain("opening-columns");
  t.absorb_u64("col-vars", b.col_vars);
  t.absorb_u64("claims", b.claims.size());
  for (const size_t j : b.claims) {
    t.absorb_u64("commitment", claims[j].commitment);
    t.absorb_frs("point", claims[j].claim.point);
  }
}

SumcheckShape column_batch_shape(const ColumnBatch& b) {
  SumcheckShape s;
  s.num_vars = b.col_vars;
  s.num_tables = static_cast<uint32_t>(2 * b.claims.size());  // rho_j eq(col_j, .), a_j
  for (uint32_t k = 0; k < b.claims.size(); ++k) s.terms.push_back({Fr::one(), {2 * k, 2 * k + 1}});
  return s;
}

// The claims Hyrax opens, each column batch's replaced by its claims at the batch's point.
template <class Claim>
std::vector<Claim> replace_batched(std::vector<Claim> claims, const std::vector<ColumnBatch>& batches,
                                   std::vector<std::vector<Claim>> moved) {
  std::vector<bool> gone(claims.size(), false);
  for (const ColumnBatch& b : batches) {
    for (const size_t j : b.claims) gone[j] = true;
  }
  std::vector<Claim> out;
  for (size_t j = 0; j < claims.size(); ++j) {
    if (!gone[j]) out.push_back(std::move(claims[j]));
  }
  for (auto& m : moved) {
    for (auto& c : m) out.push_back(std::move(c));
  }
  return out;
}

// Column points (openings.h): per batch, with rho_j random and a_j = eq(row_j)^T T_j (the row-folded table, so
// that T_j~(z_j) = a_j~(col_j)),  sum_j rho_j v_j = sum_c sum_j rho_j eq(col_j, c) a_j(c),  one sumcheck over the
// column variables; then a_j~(r) = T_j~(row_j || r) for every j ("column-values"), all at the column point r.
// The claims Hyrax opens and, for those made here, their row folds a_j (so that Hyrax does not fold again).
struct UnifiedClaims {
  std::vector<CommittedProverClaim> claims;
  std::vector<std::shared_ptr<const std::vector<Fr>>> folds;  // per claim; null where Hyrax folds itself
};

UnifiedClaims unify_columns(ProverChannel& ch, std::span<const HyraxProverInput> inputs,
                            std::vector<CommittedProverClaim> claims, int threads) {
  std::vector<HyraxParams> params;
  for (const HyraxProverInput& in : inputs) params.push_back(in.commitment->params());
  const std::vector<ColumnBatch> batches = column_batches<CommittedProverClaim>(params, claims);
  std::vector<std::vector<CommittedProverClaim>> moved;
  std::vector<std::shared_ptr<const std::vector<Fr>>> folds;
  for (const ColumnBatch& b : batches) {
    absorb_column_batch<CommittedProverClaim>(ch.transcript(), b, claims);
    const std::vector<Fr> rho = ch.challenges("rho", b.claims.size());
    const size_t cols = size_t{1} << b.col_vars;
    std::vector<std::vector<Fr>> tables(2 * b.claims.size());
    ProverValue sum = ProverValue::constant(Fr::zero());
    for (size_t k = 0; k < b.claims.size(); ++k) {
      const CommittedProverClaim& c = claims[b.claims[k]];
      const HyraxParams& p = params[c.commitment];
      sum += c.claim.value * rho[k];
      tables[2 * k] = eq_table(col_part(c.claim.point, p), rho[k], threads);
      auto fold = std::make_shared<const std::vector<Fr>>(
          combine_rows(inputs[c.commitment].table, cols, eq_table(row_part(c.claim.point, p), Fr::one(), threads),
                       threads));
      tables[2 * k + 1] = *fold;
      folds.push_back(std::move(fold));
    }
    const SumcheckShape shape = column_batch_shape(b);
    const SumcheckProverResult res = sumcheck_prove(ch, shape, std::move(tables), sum, threads);
    std::vector<Fr> a_r;
    for (size_t k = 0; k < b.claims.size(); ++k) a_r.push_back(res.evaluations[2 * k + 1]);
    const std::vector<ProverValue> sent = ch.send("column-values", a_r);
    std::vector<ProverValue> evals;
    for (size_t k = 0; k < b.claims.size(); ++k) {
      evals.push_back(ProverValue::constant(res.evaluations[2 * k]));
      evals.push_back(sent[k]);
    }
    sumcheck_prove_final(ch, shape, res.final_value, evals);
    std::vector<CommittedProverClaim> out;
    for (size_t k = 0; k < b.claims.size(); ++k) {
      const CommittedProverClaim& c = claims[b.claims[k]];
      const auto row = row_part(c.claim.point, params[c.commitment]);
      std::vector<Fr> z(row.begin(), row.end());
      z.insert(z.end(), res.point.begin(), res.point.end());
      out.push_back({c.commitment, {std::move(z), sent[k]}});
    }
    moved.push_back(std::move(out));
  }
  UnifiedClaims u{replace_batched(std::move(claims), batches, std::move(moved)), {}};
  // replace_batched puts the batches' claims last, in batch order: the order the folds were made in.
  u.folds.assign(u.claims.size() - folds.size(), nullptr);
  u.folds.insert(u.folds.end(), folds.begin(), folds.end());
  return u;
}

Result<std::vector<CommittedVerifierClaim>> unify_columns(VerifierChannel& ch,
                                                          std::span<const HyraxCommitment* const> commitments,
                                                          std::vector<CommittedVerifierClaim> claims) {
  std::vector<HyraxParams> params;
  for (const HyraxCommitment* c : commitments) params.push_back(c->params());
  const std::vector<ColumnBatch> batches = column_batches<CommittedVerifierClaim>(params, claims);
  std::vector<std::vector<CommittedVerifierClaim>> moved;
  for (const ColumnBatch& b : batches) {
    absorb_column_batch<CommittedVerifierClaim>(ch.transcript(), b, claims);
    const std::vector<Fr> rho = ch.challenges("rho", b.claims.size());
    VerifierValue sum = VerifierValue::constant(Fr::zero());
    for (size_t k = 0; k < b.claims.size(); ++k) sum += claims[b.claims[k]].claim.value * rho[k];
    const SumcheckShape shape = column_batch_shape(b);
    auto sub = sumcheck_verify(ch, shape, sum);
    if (!sub) return sub.error();
    auto sent = ch.receive("column-values", b.claims.size());
    if (!sent) return sent.error();
    std::vector<VerifierValue> evals;
    for (size_t k = 0; k < b.claims.size(); ++k) {
      const CommittedVerifierClaim& c = claims[b.claims[k]];
      evals.push_back(VerifierValue::constant(rho[k] * eq_eval(col_part(c.claim.point, params[c.commitment]),
                                                               sub->point)));
      evals.push_back((*sent)[k]);
    }
    if (Status s = sumcheck_verify_final(ch, shape, sub->expected, evals); !s) return s.error();
    std::vector<CommittedVerifierClaim> out;
    for (size_t k = 0; k < b.claims.size(); ++k) {
      const CommittedVerifierClaim& c = claims[b.claims[k]];
      const auto row = row_part(c.claim.point, params[c.commitment]);
      std::vector<Fr> z(row.begin(), row.end());
      z.insert(z.end(), sub->point.begin(), sub->point.end());
      out.push_back({c.commitment, {std::move(z), (*sent)[k]}});
    }
    moved.push_back(std::move(out));
  }
  return replace_batched(std::move(claims), batches, std::move(moved));
}

}  // namespace

void prove_openings(ProverChannel& ch, std::span<const HyraxProverInput> inputs,
                    std::span<const CommittedProverClaim> claims, int threads) {
  std::vector<unsigned> vars;
  for (const HyraxProverInput& in : inputs) vars.push_back(in.commitment->params().num_vars);
  for (const CommittedProverClaim& c : claims) {
    if (c.commitment >= inputs.size() || c.claim.point.size() != vars[c.commitment]) {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "prove_openings: a claim that does not fit its commitment");
    }
  }
  std::vector<CommittedProverClaim> open(claims.begin(), claims.end());
  std::vector<bool> moved(claims.size(), false);
  for (const Batch& b : batches(std::span<const unsigned>(vars), claims)) {
    absorb_batch(ch.transcript(), b, claims);
    const std::vector<Fr> rho = ch.challenges("rho", b.claims.size());
    const size_t size = size_t{1} << b.num_vars;
    std::vector<std::vector<Fr>> tables(2 * b.commitments.size());
    ProverValue sum = ProverValue::constant(Fr::zero());
    for (size_t i = 0; i < b.claims.size(); ++i) {
      sum += claims[b.claims[i]].claim.value * rho[i];
      moved[b.claims[i]] = true;
    }
    for (size_t k = 0; k < b.commitments.size(); ++k) {
      const auto [points, weights] = slot_claims(b, k, claims, rho);
      tables[2 * k] = eq_sum_table(points, weights, threads);
      tables[2 * k + 1] = to_field(inputs[b.commitments[k]].table, size, threads);
    }
    const SumcheckShape shape = batch_shape(b);
    const SumcheckProverResult res = sumcheck_prove(ch, shape, std::move(tables), sum, threads);
    std::vector<Fr> t_r;
    for (size_t k = 0; k < b.commitments.size(); ++k) t_r.push_back(res.evaluations[2 * k + 1]);
    const std::vector<ProverValue> sent = ch.send("batched-values", t_r);
    std::vector<ProverValue> evals;
    for (size_t k = 0; k < b.commitments.size(); ++k) {
      evals.push_back(ProverValue::constant(res.evaluations[2 * k]));
      evals.push_back(sent[k]);
    }
    sumcheck_prove_final(ch, shape, res.final_value, evals);
    for (size_t k = 0; k < b.commitments.size(); ++k) open.push_back({b.commitments[k], {res.point, sent[k]}});
  }
  std::vector<CommittedProverClaim> rest;
  for (size_t j = 0; j < open.size(); ++j) {
    if (j >= claims.size() || !moved[j]) rest.push_back(std::move(open[j]));
  }
  const UnifiedClaims u = unify_columns(ch, inputs, std::move(rest), threads);
  std::vector<HyraxProverClaim> hc;
  for (size_t j = 0; j < u.claims.size(); ++j) {
    const CommittedProverClaim& c = u.claims[j];
    hc.push_back({c.commitment, c.claim.point, c.claim.value.value(), c.claim.value.blind(), false, u.folds[j]});
  }
  hyrax_open(ch.transcript(), inputs, hc, threads, ch.allows_false_relations()).write(ch.writer());
}

namespace {

Status verify_openings_now(VerifierChannel& ch, std::span<const HyraxCommitment* const> commitments,
                           std::span<const CommittedVerifierClaim> claims, int threads);

}  // namespace

Status verify_openings(VerifierChannel& ch, std::span<const HyraxCommitment* const> commitments,
                       std::span<const CommittedVerifierClaim> claims, int threads) {
  // The opening is checked at once; a relation the channel deferred (zero knowledge) came before it in the proof,
  // so its failure is the one to report.
  const Status s = verify_openings_now(ch, commitments, claims, threads);
  if (!s) {
    if (Status f = ch.flush(); !f) return f;
  }
  return s;
}

namespace {

Status verify_openings_now(VerifierChannel& ch, std::span<const HyraxCommitment* const> commitments,
                           std::span<const CommittedVerifierClaim> claims, int threads) {
  std::vector<unsigned> vars;
  for (const HyraxCommitment* c : commitments) {
    if (c == nullptr) return make_error(ErrorCode::INVALID_ARGUMENT, "verify_openings: a missing commitment");
    vars.push_back(c->params().num_vars);
  }
  for (const CommittedVerifierClaim& c : claims) {
    if (c.commitment >= commitments.size() || c.claim.point.size() != vars[c.commitment]) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "verify_openings: a claim that does not fit its commitment");
    }
  }
  std::vector<CommittedVerifierClaim> open(claims.begin(), claims.end());
  std::vector<bool> moved(claims.size(), false);
  for (const Batch& b : batches(std::span<const unsigned>(vars), claims)) {
    absorb_batch(ch.transcript(), b, claims);
    const std::vector<Fr> rho = ch.challenges("rho", b.claims.size());
    VerifierValue sum = VerifierValue::constant(Fr::zero());
    for (size_t i = 0; i < b.claims.size(); ++i) {
      sum += claims[b.claims[i]].claim.value * rho[i];
      moved[b.claims[i]] = true;
    }
    const SumcheckShape shape = batch_shape(b);
    auto sub = sumcheck_verify(ch, shape, sum);
    if (!sub) return sub.error();
    auto sent = ch.receive("batched-values", b.commitments.size());
    if (!sent) return sent.error();
    std::vector<VerifierValue> evals;
    for (size_t k = 0; k < b.commitments.size(); ++k) {
      const auto [points, weights] = slot_claims(b, k, claims, rho);
      evals.push_back(VerifierValue::constant(eq_sum_eval(points, weights, sub->point)));
      evals.push_back((*sent)[k]);
    }
    if (Status s = sumcheck_verify_final(ch, shape, sub->expected, evals); !s) return s.error();
    for (size_t k = 0; k < b.commitments.size(); ++k) open.push_back({b.commitments[k], {sub->point, (*sent)[k]}});
  }
  std::vector<CommittedVerifierClaim> rest;
  for (size_t j = 0; j < open.size(); ++j) {
    if (j >= claims.size() || !moved[j]) rest.push_back(std::move(open[j]));
  }
  auto unified = unify_columns(ch, commitments, std::move(rest));
  if (!unified) return unified.error();
  if (Status s = ch.decode_points(); !s) return s;
  std::vector<HyraxVerifierClaim> hc;
  hc.reserve(unified->size());
  for (const CommittedVerifierClaim& c : *unified) {
    // The verifier holds a value only as a commitment (y U + beta H, or y U for a value in the clear), which is
    // what the Hyrax argument checks against; the prover passes the matching blinding (zero in the clear).
    hc.push_back({c.commitment, c.claim.point, c.claim.value.commitment()});
  }
  auto rounds = hyrax_opening_rounds(commitments, hc);
  if (!rounds) return rounds.error();
  auto opening = HyraxOpening::read(ch.reader(), *rounds);
  if (!opening) return opening.error();
  return hyrax_verify(ch.transcript(), commitments, hc, *opening, threads);
}

}  // namespace

}  // namespace zklora
