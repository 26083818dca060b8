// Claims on tensors and their combination (DESIGN.md section 4: "a claim is (tensor, point z, value v)
// asserting MLE(z) = v"; several claims on one tensor become one once all its consumers have spoken).
//
// The tensor a claim is about is known from context (the protocol that produced it); a claim holds the point and
// the value as the channel holds it (channel.h): ProverValue on the prover side, VerifierValue on the verifier's.
//
// Combination of k claims (z_k, v_k) on one MLE f with n variables into one claim (r, f(r)):
//     rho_0..rho_{k-1} = challenges,   sum_k rho_k v_k = sum_x E(x) f(x),   E(x) = sum_k rho_k eq(z_k, x)
// by a sumcheck of degree 2 over the tables E and f (no eq factor). The verifier evaluates E at the sumcheck's
// point itself, E(r) = sum_k rho_k eq(z_k, r) (O(k n)), and checks s_n = E(r) f(r), a linear relation on the
// new claim's value f(r), which the prover sends. Prover work O(k 2^n). With one claim there is nothing to do
// and nothing is sent. Soundness error (k - 1 + 2n) / |Fr| plus the sumcheck's.
// Transcript: domain "claim-combine"; n, k and every point; the rhos; the sumcheck; f(r).
// As for every sumcheck, the claims' values must already be bound by the transcript (sumcheck.h).
#pragma once

#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/field/fr.h"
#include "zklora/piop/channel.h"
#include "zklora/poly/table.h"

namespace zklora {

struct ProverClaim {
  std::vector<Fr> point;
  ProverValue value;
};

struct VerifierClaim {
  std::vector<Fr> point;
  VerifierValue value;
};

// table: the tensor's padded MLE table (at most 2^num_vars entries, zero-padded); every claim's point has
// num_vars coordinates and its value is the table's evaluation there (ZkError INVALID_ARGUMENT otherwise).
ProverClaim combine_claims_prove(ProverChannel& ch, TableView table, unsigned num_vars,
                                 std::span<const ProverClaim> claims, int threads = 0);

Result<VerifierClaim> combine_claims_verify(VerifierChannel& ch, unsigned num_vars,
                                            std::span<const VerifierClaim> claims);

}  // namespace zklora
