// The rounded division of a row-wise softmax, shared by the causal softmax (softmax_op.cpp) and the loss's gradient
// (cross_entropy/loss_gradient.cpp): over x of dims (rows..., cols), with the exponentials e, the row sums
// S = sum_col e (a table over rows the prover holds) and the probabilities p = div_round(e 2^17 / 2, S):
//
//     rho   = 2^17 e + Sb - 2 p Sb          in [0, 2S)      (Sb: S broadcast over the real columns)
//     sigma = 2 Sb - sel - rho              in [0, 2S)
//
// Claims on sigma become claims on rho (linear, S at the row part sent); rho's claims, combined, reduce by one
// sumcheck over rows of S(row) pf(row), pf = p folded over the columns at the claim's column point: a value of e
// at the claim's point and of S at two row points (sent, and appended to the caller's claims on e and on S, which
// the caller settles), and a claim on p.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora::row_division {

inline std::span<const Fr> head(std::span<const Fr> z, size_t n) { return z.subspan(0, n); }
inline std::span<const Fr> tail(std::span<const Fr> z, size_t n) { return z.subspan(n); }

// The point (w || 1/2, ..., 1/2): a sum over the last `vars` variables is 2^vars times the MLE there.
std::vector<Fr> with_halves(std::span<const Fr> w, unsigned vars);

struct RowDivision {
  std::vector<uint64_t> dims;  // (rows..., cols)
  unsigned row_vars = 0;
  unsigned prob_bits = 0;      // p at 2^prob_bits: rho = 2^(prob_bits + 1) e + ...
  TensorRef rho, sigma, e, p;
  std::string label;           // the messages' labels: "<label>-sum-eval", "<label>-e-eval", "<label>-p-eval"
};

// Appends the values of S it sends to s_claims and the value of e to e_claims.
void prove(OpProver& p, const RowDivision& d, const std::vector<Fr>& sums, std::vector<ProverClaim>& s_claims,
           std::vector<ProverClaim>& e_claims);
Status verify(OpVerifier& v, const RowDivision& d, std::vector<VerifierClaim>& s_claims,
              std::vector<VerifierClaim>& e_claims);

}  // namespace zklora::row_division
