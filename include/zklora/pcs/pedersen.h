// Pedersen commitments: to a vector (the rows of a Hyrax commitment) and to a single scalar (the values the
// zero-knowledge channel sends, the claimed value of an opening).
//
//   vector:  Com(v; rho) = sum_i v_i G_i + rho H          G_i, H from curve/generators.h
//   scalar:  Com(v; rho) = v U + rho H                    U = hash_to_g1("u") under kGeneratorDst
// U is derived exactly like the G_i and H (RFC 9380 hash-to-curve, same domain-separation tag, message "u"),
// so no discrete logarithm between U, H and any G_i is known: both forms are perfectly hiding for a uniform
// rho and computationally binding. U is kept apart from the G_i so that a scalar commitment can never be read
// as a vector commitment to a vector with a single entry.
//
// Vectors of small signed integers use the short-scalar MSM (msm_small: b-bit scalars instead of 255-bit ones).
#pragma once

#include <cstdint>
#include <span>

#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"

namespace zklora {

// U, the generator that carries a committed scalar.
const G1& pedersen_value_generator();
// H, the blinding generator (GeneratorSet::h()).
const G1& pedersen_blinding_generator();

// v U + rho H.
G1 pedersen_commit_scalar(const Fr& v, const Fr& rho);

// sum_i v_i G_i + rho H over the first values.size() generators.
G1 pedersen_commit(std::span<const Fr> values, const Fr& rho, int threads = 0);
// The same for signed integers in [-2^(bits-1), 2^(bits-1)) (ZkError OUT_OF_RANGE otherwise).
G1 pedersen_commit_small(std::span<const int64_t> values, unsigned bits, const Fr& rho, int threads = 0);
G1 pedersen_commit_small(std::span<const int32_t> values, unsigned bits, const Fr& rho, int threads = 0);

}  // namespace zklora
