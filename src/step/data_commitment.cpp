// The data-set commitment, its digest and the batches assembled from it (data_commitment.h).
#include "zklora/step/data_commitment.h"

#include <algorithm>
#include <string>

#include "zklora/base/threads.h"
#include "zklora/fixed/format.h"
#include "zklora/pcs/hyrax.h"
#include "zklora/poly/mle.h"
#include "zklora/transcript/transcript.h"

namespace zklora {
namespace {

// The Hyrax shape of one example's row: S' entries in one row.
HyraxParams row_params(int64_t seq) {
  const unsigned n = log2_ceil(static_cast<uint64_t>(seq));
  return {n, 0};
}

// The statement shape of a batch of `batch` rows: one Hyrax row per sequence (of `seq` entries, 1 for the counts).
HyraxParams batch_params(int64_t batch, int64_t seq) {
  const unsigned rows = data_batch_row_vars(batch);
  return {rows + log2_ceil(static_cast<uint64_t>(seq)), rows};
}

Status check_indices(const DataCommitment& c, std::span<const int64_t> indices) {
  if (indices.empty()) return make_error(ErrorCode::INVALID_ARGUMENT, "a batch of no rows");
  for (const int64_t i : indices) {
    if (i < 0 || i >= c.examples()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "batch index " + std::to_string(i) +
                                                         " outside the data set of " +
                                                         std::to_string(c.examples()) + " examples");
    }
  }
  return {};
}

// The compressed encodings of `points`, one after another.
std::vector<uint8_t> point_bytes(std::span<const G1Affine> points) {
  std::vector<uint8_t> out;
  out.reserve(points.size() * G1::kBytes);
  for (const G1Affine& p : points) {
    const auto b = G1::from_affine(p).to_bytes();
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

}  // namespace

unsigned data_batch_row_vars(int64_t batch) { return log2_ceil(static_cast<uint64_t>(batch)); }

std::array<uint8_t, 32> data_digest(const DataCommitment& c) {
  Transcript t("zklora-data-commitment");
  t.absorb_u64("format-version", c.format_version);
  t.absorb_u64("seq", static_cast<uint64_t>(c.seq));
  t.absorb_u64("vocab", static_cast<uint64_t>(c.vocab));
  t.absorb_u64("pad-token", static_cast<uint64_t>(c.pad_token));
  t.absorb_u64("examples", c.tokens.size());
  t.absorb_bytes("tokens", point_bytes(c.tokens));
  t.absorb_bytes("targets", point_bytes(c.targets));
  return t.digest();
}

std::array<uint8_t, 32> data_content_hash(std::span<const TokenSequence> examples, int64_t seq) {
  Transcript t("zklora-data-content");
  t.absorb_u64("seq", static_cast<uint64_t>(seq));
  t.absorb_u64("examples", examples.size());
  for (const TokenSequence& e : examples) {
    t.absorb_bytes("example", std::span(reinterpret_cast<const uint8_t*>(e.data()), e.size() * sizeof(int32_t)));
  }
  return t.digest();
}

Batch data_batch(std::span<const TokenSequence> examples, std::span<const int64_t> indices, int64_t seq,
                 const ModelConfig& model) {
  std::vector<TokenSequence> rows;
  rows.reserve(indices.size());
  for (const int64_t i : indices) rows.push_back(examples[static_cast<size_t>(i)]);
  return make_batch(rows, seq, model);
}

DataProverCommitment commit_data(std::span<const TokenSequence> examples, int64_t seq, const ModelConfig& model,
                                 int threads) {
  if (examples.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "the data set holds no example");
  if (seq < 2) throw ZkError(ErrorCode::INVALID_ARGUMENT, "a sequence length below 2 has no token to predict");
  for (size_t i = 0; i < examples.size(); ++i) {
    for (const int32_t id : examples[i]) {
      if (id < 0 || id >= model.vocab_size) {
        throw ZkError(ErrorCode::INVALID_ARGUMENT, "example " + std::to_string(i) + " holds the id " +
                                                       std::to_string(id) + ", outside the vocabulary of " +
                                                       std::to_string(model.vocab_size));
      }
    }
  }
  DataProverCommitment out;
  DataCommitment& c = out.commitment;
  c.format_version = kFixedFormatVersion;
  c.seq = seq;
  c.vocab = model.vocab_size;
  c.pad_token = model.pad_token_id;
  const size_t n = examples.size();
  c.tokens.resize(n);
  c.targets.resize(n);
  out.token_blinds.resize(n);
  out.target_blinds.resize(n);
  for (size_t i = 0; i < n; ++i) {
    out.token_blinds[i] = Fr::random();
    out.target_blinds[i] = Fr::random();
  }
  const HyraxParams params = row_params(seq), one{0, 0};
  parallel_for(n, resolve_threads(threads), [&](size_t i) {
    const Batch b = make_batch({examples[i]}, seq, model);
    const std::vector<int64_t> tokens = batch_tokens(b), count = batch_targets(b);
    c.tokens[i] = hyrax_commit_with_blinds(TableView(tokens), params, std::span(&out.token_blinds[i], 1), 0, 1)
                      .rows()[0];
    c.targets[i] =
        hyrax_commit_with_blinds(TableView(count), one, std::span(&out.target_blinds[i], 1), 0, 1).rows()[0];
  });
  out.content = data_content_hash(examples, seq);
  return out;
}

Result<PublicCommitments> data_batch_commitments(const DataCommitment& c, std::span<const int64_t> indices) {
  if (Status s = check_indices(c, indices); !s) return s.error();
  const auto batch = static_cast<int64_t>(indices.size());
  const HyraxParams params = batch_params(batch, c.seq), count_params = batch_params(batch, 1);
  std::vector<G1Affine> tokens(params.rows()), targets(params.rows());  // the identity beyond the batch
  for (size_t b = 0; b < indices.size(); ++b) {
    tokens[b] = c.tokens[static_cast<size_t>(indices[b])];
    targets[b] = c.targets[static_cast<size_t>(indices[b])];
  }
  PublicCommitments out;
  out.emplace("batch.tokens", HyraxCommitment(params, std::move(tokens)));
  out.emplace("batch.targets", HyraxCommitment(count_params, std::move(targets)));
  return out;
}

Result<ProverCommitments> data_batch_prover_commitments(const DataProverCommitment& c,
                                                        std::span<const int64_t> indices) {
  auto pub = data_batch_commitments(c.commitment, indices);
  if (!pub) return pub.error();
  const size_t rows = pub->at("batch.tokens").rows().size();
  HyraxProverData tokens{std::vector<Fr>(rows, Fr::zero())}, targets{std::vector<Fr>(rows, Fr::zero())};
  for (size_t b = 0; b < indices.size(); ++b) {
    tokens.row_blinds[b] = c.token_blinds[static_cast<size_t>(indices[b])];
    targets.row_blinds[b] = c.target_blinds[static_cast<size_t>(indices[b])];
  }
  ProverCommitments out;
  out.emplace("batch.tokens", HyraxCommitted{pub->at("batch.tokens"), std::move(tokens)});
  out.emplace("batch.targets", HyraxCommitted{pub->at("batch.targets"), std::move(targets)});
  return out;
}

}  // namespace zklora
