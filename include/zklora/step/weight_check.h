// The well-formedness of a base-weight commitment (weight_commitment.h): every committed weight tensor holds
// integers of the format's range, |w| < 2^31 (signed 32 bits), and zeros in its padding. The step proofs rely on
// both (products of weights and activations stay far below |Fr| / 2; padded inner dimensions weigh nothing) and
// never check them themselves: this proof is made once, with the commitment, and checked once per commitment by
// whoever verifies proofs against it, so a model owner who is also the prover cannot commit to anything else.
//
// Statement: the model configuration, the fixed-point format version, every weight commitment. The tensors, in a
// canonical order (weight_commitment.h, model_weight_tensors), are cut into groups of at most 2^22 padded entries (a larger tensor is a
// group of its own); each group is one step graph (graph.h) of checked statement tensors with a range and no
// operation: zero padding, one range argument, one batched opening. Zero-knowledge channel: nothing about the
// weights is revealed. The groups run one after another on one transcript, so the prover holds one group's
// widened entries and limbs at a time (a group is read from the model as it is proven).
// Transcript: "zklora-weight-check"; domain "weight-check-statement", the configuration, the format version; per
// group, its commitments by name, then the graph's protocol.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/llama.h"
#include "zklora/step/statement.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {

// commitments: the model's (commit_model_weights), with the prover's blinds.
std::vector<uint8_t> prove_weight_check(const ModelWeights& weights, const ProverCommitments& commitments,
                                        int threads = 0);

// INVALID_ARGUMENT for a missing commitment; the sub-protocols' rejections otherwise.
Status verify_weight_check(const ModelConfig& config, const PublicCommitments& commitments,
                           std::span<const uint8_t> proof, int threads = 0);

}  // namespace zklora
