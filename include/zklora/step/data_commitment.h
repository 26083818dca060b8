// The commitment to a tokenized training set (DESIGN.md section 1: C_D, made once per data set and sequence
// length) and how a step's batch is assembled from it.
//
// Layout. Example i is laid out as one row of a batch (model/llama.h, make_batch with one sequence): its first S
// tokens, the rest of the row the pad token, zero-padded to S' = 2^ceil(log2 S) entries and committed as ONE
// Pedersen vector commitment over the first S' Hyrax generators; and its number of targets n_i (the positions t
// whose token t + 1 is one of the example's: min(len_i, S) - 1, or 0), committed alone over the first generator:
//     T_i = <tokens_i, G> + tau_i H,   C_i = n_i G_0 + gamma_i H.
// A step's batch of B rows at public indices (idx_0 .. idx_{B-1}) is the statement tensor "batch.tokens" (B, S),
// committed with Hyrax with one row per sequence (log2 B' row variables, B' = 2^ceil(log2 B)): its row
// commitments are T_{idx_0} .. T_{idx_{B-1}}, then the identity (the commitment to a zero row with blind 0) for the
// rows B .. B'-1; "batch.targets" (B) the same from the C_i, one entry per row. The verifier assembles both from
// the public data commitment and the indices, so a step proof over them proves that its batch IS those rows of
// the data set: the step's own checks then cover the rest (ids inside the vocabulary by the embedding lookup; the
// target mask derived from the counts, ops/cross_entropy/target_mask_op.h, so the examples and not the prover
// say which positions are targets; zero padding by the statement tensors' check). The prover's blinds for the
// batch are the data rows' (and 0 for padding rows).
//
// The content hash (SHA-256 through a transcript over S and the tokenized examples) names the data set the
// commitment was made for; it stays with the prover (a public hash of private data would let anyone test a guess).
// The public part's digest (data_digest, over its fields) is what a step statement absorbs. The two files `zklora
// commit --data` writes, the public part and the prover's blinds beside it, are the io layer's
// (io/commitment_files.h).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/curve/g1.h"
#include "zklora/field/fr.h"
#include "zklora/model/config.h"
#include "zklora/model/dataset.h"
#include "zklora/step/statement.h"

namespace zklora {

// The public part: everything a verifier reads of the commitment.
struct DataCommitment {
  uint32_t format_version = 0;  // kFixedFormatVersion
  int64_t seq = 0;              // S
  int64_t vocab = 0;
  int64_t pad_token = 0;
  std::vector<G1Affine> tokens, targets;  // T_i, C_i

  int64_t examples() const { return static_cast<int64_t>(tokens.size()); }
};

// What a step statement names the data set by: SHA-256 through a transcript (domain `zklora-data-commitment`) of
// the fields: the fixed-point format, S, the vocabulary, the pad token, the number of examples, then every T_i and
// every C_i (compressed), each list framed with its length. It is a function of the commitment, not of a file's
// bytes: the step does not know how io encodes it.
std::array<uint8_t, 32> data_digest(const DataCommitment& c);

struct DataProverCommitment {
  DataCommitment commitment;
  std::vector<Fr> token_blinds, target_blinds;  // tau_i, gamma_i
  std::array<uint8_t, 32> content{};          // data_content_hash of what was committed
};

// What data set and sequence length a commitment was made for.
std::array<uint8_t, 32> data_content_hash(std::span<const TokenSequence> examples, int64_t seq);

// Commits every example (INVALID_ARGUMENT for an empty data set, a sequence length below 2, or an id outside the
// vocabulary, naming the example).
DataProverCommitment commit_data(std::span<const TokenSequence> examples, int64_t seq, const ModelConfig& model,
                                 int threads = 0);

// The Hyrax row variables of a batch of `batch` rows assembled from the data (one row per sequence): the shape the
// step graph gives "batch.tokens" and "batch.targets" (StepGraph::set_row_vars).
unsigned data_batch_row_vars(int64_t batch);

// The batch's statement commitments "batch.tokens" and "batch.targets" assembled from the rows at `indices`
// (INVALID_ARGUMENT for an index outside the data set).
Result<PublicCommitments> data_batch_commitments(const DataCommitment& c, std::span<const int64_t> indices);
Result<ProverCommitments> data_batch_prover_commitments(const DataProverCommitment& c,
                                                        std::span<const int64_t> indices);

// The batch the rows at `indices` make (make_batch of those examples), as the prover's witness reads it.
Batch data_batch(std::span<const TokenSequence> examples, std::span<const int64_t> indices, int64_t seq,
                 const ModelConfig& model);

}  // namespace zklora
