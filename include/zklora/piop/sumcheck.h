// The sumcheck protocol: one generic prover and verifier (DESIGN.md section 4) for
//
//     S = sum_{x in {0,1}^n}  w(x) * P(f_0(x), ..., f_{m-1}(x)),    P = sum_t c_t prod_{j in F_t} f_j,
//     w(x) = eq(z, x_0..x_{|z|-1}) = prod_{i < |z|} (z_i x_i + (1 - z_i)(1 - x_i)),    |z| <= n,
//
// for multilinear f_j given by tables of 2^n entries (mle.h order), any number of terms of any degree
// d = max_t |F_t|; variables beyond |z| carry weight 1. Variables are bound in MLE order, x_0 first.
//
// Round i (Gruen's eq factoring, "Some improvements for the PIOP for ZeroCheck", 2024): the verifier holds
// the running value s_i (s_0 = S), normalized by the eq factors of the variables already bound, so that
//     s_i = sum_{x_i, x_>i} w_i(x_i) w_>i(x_>i) P(f(r_<i, x_i, x_>i)),   w_i(0) = a_i, w_i(1) = b_i,
//     (a_i, b_i) = (1 - z_i, z_i) for i < |z|, (1, 1) after.
// The prover sends the degree-d polynomial
//     t_i(X) = sum_{x_>i} w_>i(x_>i) P(f(r_<i, X, x_>i)) = sum_k c_k X^k
// as d of its d + 1 coefficients: the round's relation a_i t_i(0) + b_i t_i(1) = s_i fixes the last one, which the
// verifier derives (c_1, or c_0 when b_i = 0), so the relation holds by construction and nothing is checked per
// round; the verifier draws r_i and sets s_{i+1} = t_i(r_i). After n rounds the
// sub-claim is: P(f(r)) = s_n at the point r = (r_0, ..., r_{n-1}). The eq factor never enters a round
// polynomial, so messages have degree d, not d + 1, and the sub-claim is about P alone: the caller's final check
// is  s_n = sum_t c_t prod_{j in F_t} f_j(r)  (sumcheck_verify_final), with the f_j(r) as new claims.
// Soundness error at most n d / |Fr| (Schwartz-Zippel per round; the factor w_i is a non-zero linear polynomial).
//
// Everything goes through the channel (channel.h): coefficients are sent, the derived coefficient and
// s_{i+1} = sum_k c_k r_i^k are linear maps, so the same code runs in the clear and in zero knowledge; only the
// final products need proofs of product. A wrong claimed sum or a tampered round makes the derived polynomial
// differ from the true one, which the final check finds (Schwartz-Zippel at each r_i, as for the usual check).
// Transcript: domain "sumcheck"; n, d, z, the terms (coefficients and factor indices); per round the d sent
// coefficients ("round") and the challenge r_i.
// Errors: SUMCHECK_FINAL_MISMATCH (a wrong claimed sum, a tampered round or a wrong evaluation).
//
// Caveat: the claimed value S must already be bound by the transcript (sent through the channel, or derived from
// what was): the sumcheck absorbs its statement but not S, which it only holds as a channel value.
//
// Prover: linear time. Round i evaluates t_i at d points (the d + 1-th follows from s_i) with one pass over the
// halves of every table, weighted by the table of w_>i, which shrinks by one addition per entry per round; then
// binds x_i in every table. Work is split across threads once a table has 2^13 entries per half.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/field/fr.h"
#include "zklora/piop/channel.h"

namespace zklora {

inline constexpr uint32_t kSumcheckMaxDegree = 32;

// c * prod_{j in factors} f_j (a factor may repeat: f_j^2).
struct SumcheckTerm {
  Fr coeff;
  std::vector<uint32_t> factors;
};

// The public statement (everything but the tables and the claimed value).
struct SumcheckShape {
  uint32_t num_vars = 0;
  std::vector<Fr> eq_point;  // z, at most num_vars coordinates; empty: no eq factor
  uint32_t num_tables = 0;
  std::vector<SumcheckTerm> terms;

  // A shape from its parts: `vars` variables, eq factor at `eq` (empty: none), `tables` tables, the terms.
  static SumcheckShape of(uint32_t vars, std::vector<Fr> eq, uint32_t tables, std::vector<SumcheckTerm> terms) {
    return {vars, std::move(eq), tables, std::move(terms)};
  }
  // One product of two tables under eq(z, x): sum_x eq(z, x) f_0(x) f_1(x).
  static SumcheckShape product(uint32_t vars, std::vector<Fr> eq) {
    return of(vars, std::move(eq), 2, {{Fr::one(), {0, 1}}});
  }

  uint32_t degree() const;
  // INVALID_ARGUMENT: |z| > n, a factor index >= num_tables, no terms, degree > kSumcheckMaxDegree, n > 40.
  Status validate() const;
};

struct SumcheckProverResult {
  std::vector<Fr> point;        // r
  std::vector<Fr> evaluations;  // f_j(r), j < num_tables
  ProverValue final_value;      // s_n = P(f(r))
};

// tables: num_tables tables of exactly 2^num_vars entries each (consumed), except that a table no term uses may be
// empty: it is not folded, and its evaluation is reported as zero (the caller derives it, e.g. from tables it is a
// linear combination of). The claim must be S; a wrong claim is detected at the end and reported as ZkError
// INVALID_ARGUMENT (the messages derived from it would be rejected).
SumcheckProverResult sumcheck_prove(ProverChannel& ch, const SumcheckShape& shape, std::vector<std::vector<Fr>> tables,
                                    const ProverValue& claim, int threads = 0);

struct SubClaim {
  std::vector<Fr> point;   // r
  VerifierValue expected;  // s_n, to equal P(f(r))
};

Result<SubClaim> sumcheck_verify(VerifierChannel& ch, const SumcheckShape& shape, const VerifierValue& claim);

// The final check s_n = sum_t c_t prod_{j in F_t} e_j for evaluations e_j (sent by the caller, or constants the
// verifier computes itself): products of two or more non-constant factors go through ch.mul.
void sumcheck_prove_final(ProverChannel& ch, const SumcheckShape& shape, const ProverValue& final_value,
                          std::span<const ProverValue> evaluations);
Status sumcheck_verify_final(VerifierChannel& ch, const SumcheckShape& shape, const VerifierValue& expected,
                             std::span<const VerifierValue> evaluations);

}  // namespace zklora
