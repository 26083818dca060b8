// Settling claims on committed tensors (DESIGN.md section 4: a COMMITTED tensor's claims are finally settled by
// an opening): the claims, with values as the channel holds them, become one batched Hyrax opening (hyrax.h)
// written to the channel's proof stream.
//
// A claim's value reaches the opening as the verifier holds it, as a commitment Y = y U + beta H
// (VerifierValue::commitment): in zero-knowledge mode the one the channel built, whose blinding the prover knows
// (ProverValue::blind); in clear mode and for public constants Y = y U, beta = 0. The Hyrax argument then proves
// t~(z) = y without revealing y.
// Transcript: Hyrax's ("hyrax-open", then every claim, the groups' arguments, the batching weights).
#pragma once

#include <cstddef>
#include <span>

#include "zklora/base/error.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/piop/channel.h"
#include "zklora/piop/claims.h"

namespace zklora {

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
