// Zero padding of a committed tensor: every entry of its padded MLE layout (poly/shape.h) outside the tensor's
// dims is 0. Products sum over padded dimensions, so garbage in the padding of two committed operands would reach
// real entries; a remainder with garbage in its padding would give its rescaled output garbage there.
//
// With s the tensor's selector (1 on real entries, 0 in the padding) and n its number of variables:
//     r = challenges("padding-point", n),     0 = sum_x eq(r, x) (1 - s(x)) C(x)           (sumcheck.h)
// The prover sends C~(rho) at the sumcheck's point ("padding-eval"); the verifier evaluates 1 - s~(rho) itself
// (lookup_selector_eval, O(n)) and checks the final value. The result is a claim C~(rho) for C's owner (an
// opening). Soundness: the sum is the MLE of (1 - s) C at r, zero at a random r only if (1 - s) C vanishes on the
// cube, except with probability n / |Fr|; plus the sumcheck's error 2 n / |Fr|.
// Costs: the prover O(2^n) (two tables of 2^n field elements), the verifier O(n).
// Transcript: domain "zero-padding", the dims, "padding-point", the sumcheck, "padding-eval".
//
// Batch: k tensors of one shape at once, with rho_k = challenges("padding-rho") (none for k = 1),
//     0 = sum_x eq(r, x) (1 - s(x)) sum_k rho_k C_k(x)
// one sumcheck; the prover sends every C_k~(rho) ("padding-evals") and the verifier checks the final value with
// sum_k rho_k C_k~(rho). A non-zero padding entry of any C_k survives the random combination except with
// probability 1 / |Fr|. Transcript: domain "zero-padding-batch", the dims, k, then as above.
#pragma once

#include <cstdint>
#include <span>

#include "zklora/base/error.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"
#include "zklora/poly/table.h"

namespace zklora {

// True when the padded layout of these dims has entries outside them (otherwise there is nothing to prove).
bool has_padding(std::span<const uint64_t> dims);

// padded: the tensor in the padded layout. A non-zero padding entry makes the sumcheck's prover refuse
// (ZkError INVALID_ARGUMENT), unless the channel allows false relations.
ProverClaim zero_padding_prove(ProverChannel& ch, std::span<const uint64_t> dims, TableView padded, int threads = 0);
Result<VerifierClaim> zero_padding_verify(VerifierChannel& ch, std::span<const uint64_t> dims);

std::vector<ProverClaim> zero_padding_prove_batch(ProverChannel& ch, std::span<const uint64_t> dims,
                                                  std::span<const TableView> padded, int threads = 0);
Result<std::vector<VerifierClaim>> zero_padding_verify_batch(VerifierChannel& ch, std::span<const uint64_t> dims,
                                                             size_t count);

}  // namespace zklora
