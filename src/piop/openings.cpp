// Claims on committed tensors settled by one batched Hyrax opening (openings.h).
#include "zklora/piop/openings.h"

#include <vector>

namespace zklora {

void prove_openings(ProverChannel& ch, std::span<const HyraxProverInput> inputs,
                    std::span<const CommittedProverClaim> claims, int threads) {
  std::vector<HyraxProverClaim> hc;
  hc.reserve(claims.size());
  for (const CommittedProverClaim& c : claims) {
    hc.push_back({c.commitment, c.claim.point, c.claim.value.value(), c.claim.value.blind(), false});
  }
  hyrax_open(ch.transcript(), inputs, hc, threads).write(ch.writer());
}

Status verify_openings(VerifierChannel& ch, std::span<const HyraxCommitment* const> commitments,
                       std::span<const CommittedVerifierClaim> claims, int threads) {
  std::vector<HyraxVerifierClaim> hc;
  hc.reserve(claims.size());
  for (const CommittedVerifierClaim& c : claims) {
    // The verifier holds a value only as a commitment (y U + beta H, or y U for a value in the clear), which is
    // what the Hyrax argument checks against; the prover passes the matching blinding (zero in the clear).
    const HyraxValue value = c.claim.value.commitment();
    hc.push_back({c.commitment, c.claim.point, value});
  }
  auto rounds = hyrax_opening_rounds(commitments, hc);
  if (!rounds) return rounds.error();
  auto opening = HyraxOpening::read(ch.reader(), *rounds);
  if (!opening) return opening.error();
  return hyrax_verify(ch.transcript(), commitments, hc, *opening, threads);
}

}  // namespace zklora
