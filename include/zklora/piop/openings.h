// Settling claims on committed tensors (DESIGN.md section 4: a COMMITTED tensor's claims are finally settled by
// an opening): the claims, with values as the channel holds them, become one batched Hyrax opening (hyrax.h)
// written to the channel's proof stream.
//
// A claim's value reaches the opening as the verifier holds it, as a commitment Y = y U + beta H
// (VerifierValue::commitment): in zero-knowledge mode the one the channel built, whose blinding the prover knows
// (ProverValue::blind); in clear mode and for public constants Y = y U, beta = 0. The Hyrax argument then proves
// t~(z) = y without revealing y.
// Claims at many points. Hyrax batches claims that share a column point into one inner-product argument; claims
// at distinct points would each need their own. So first, the claims on tensors of n variables (1 <= n <=
// kOpeningBatchVars) claimed at two or more points, grouped by n when they are not all at one point already, move
// to one point by a sumcheck (a tensor claimed at one point stays where it is: Hyrax groups it with the claims that
// share its column half, as it does the limbs of a range check, all at their run's LogUp point):
// with rho_j random and W_k = sum_{j on tensor k} rho_j eq(z_j, x),
//     sum_j rho_j v_j = sum_x sum_k W_k(x) T_k(x)
// after which the prover sends T_k(r) for every tensor k of the group ("batched-values") and the verifier checks
// the sumcheck's final value with the W_k(r) it computes itself (O(n) per claim). Those new claims, all at r, go to
// Hyrax with the claims left as they were. A group holds at most kOpeningBatchEntries table entries (more
// tensors make several groups), which bounds the prover's memory.
// Column points. Hyrax still runs one inner-product argument per distinct column point, and the claims left
// (on tensors of different sizes, on a range check's limbs at their runs' LogUp points, on the multiplicities)
// sit at many. So the claims on commitments with c >= 1 column variables, grouped by c when their column points
// are not all one, move to one column point by a second sumcheck, over the c column variables only: with the
// claim z_j = (row_j || col_j) on tensor T_j, a_j = eq(row_j)^T T_j (T_j's rows folded, so T_j~(z_j) =
// a_j~(col_j)) and rho_j random,
//     sum_j rho_j v_j = sum_{x in {0,1}^c} sum_j rho_j eq(col_j, x) a_j(x);
// the prover sends a_j~(r) = T_j~(row_j || r) for every j ("column-values"), the verifier checks the final value
// with the rho_j eq(col_j, r) it computes itself, and the new claims, all at column point r, make one Hyrax group:
// one inner-product argument per column size (a llama-2-7b-shaped layer's step: 14 instead of 59, each of
// O(columns) group operations for the prover, and fewer points for the proof and the verifier).
// Transcript: per group domain "opening-batch", n, every claim's commitment index and point, rho, the sumcheck,
// "batched-values"; per column group domain "opening-columns", c, every claim's commitment index and point, rho,
// the sumcheck, "column-values"; then Hyrax's ("hyrax-open", then every claim, the groups' arguments, the
// batching weights).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "zklora/base/error.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"

namespace zklora {

inline constexpr unsigned kOpeningBatchVars = 22;
inline constexpr size_t kOpeningBatchEntries = size_t{1} << 23;

struct CommittedProverClaim {
  size_t commitment;  // index into the inputs
  ProverClaim claim;
};

struct CommittedVerifierClaim {
  size_t commitment;  // index into the commitments
  VerifierClaim claim;
};

void prove_openings(ProverChannel& ch, std::span<const HyraxProverInput> inputs,
                    std::span<const CommittedProverClaim> claims, int threads = 0);

Status verify_openings(VerifierChannel& ch, std::span<const HyraxCommitment* const> commitments,
                       std::span<const CommittedVerifierClaim> claims, int threads = 0);

}  // namespace zklora
