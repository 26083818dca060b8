// The data-set commitment, the batches assembled from it, and its two files (data_commitment.h).
#include "zklora/step/data_commitment.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "zklora/base/files.h"
#include "zklora/base/threads.h"
#include "zklora/fixed/format.h"
#include "zklora/pcs/codec.h"
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

std::array<uint8_t, 32> file_digest(std::span<const uint8_t> bytes) {
  Transcript t("zklora-data-commitment-file");
  t.absorb_bytes("file", bytes);
  return t.digest();
}

}  // namespace

unsigned data_batch_row_vars(int64_t batch) { return log2_ceil(static_cast<uint64_t>(batch)); }

std::vector<uint8_t> DataCommitment::to_bytes() const {
  ByteWriter w;
  for (const char ch : kDataCommitmentMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(kDataCommitmentVersion);
  w.u32(format_version);
  w.u64(static_cast<uint64_t>(seq));
  w.u64(static_cast<uint64_t>(vocab));
  w.u64(static_cast<uint64_t>(pad_token));
  w.u64(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    w.g1(tokens[i]);
    w.g1(targets[i]);
  }
  return w.take();
}

Result<DataCommitment> DataCommitment::from_bytes(std::span<const uint8_t> bytes, const std::string& where,
                                                  int threads) {
  const auto fail = [&](const Error& e) { return Error{e.code, where + ": " + e.message}; };
  ByteReader r(bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), kDataCommitmentMagic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora data commitment (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return fail(version.error());
  if (version.value() != kDataCommitmentVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported data commitment version " +
                                                       std::to_string(version.value()));
  }
  DataCommitment c;
  auto fv = r.u32("format version");
  if (!fv) return fail(fv.error());
  auto seq = r.u64("sequence length");
  if (!seq) return fail(seq.error());
  auto vocab = r.u64("vocabulary size");
  if (!vocab) return fail(vocab.error());
  auto pad = r.u64("pad token");
  if (!pad) return fail(pad.error());
  auto n = r.u64("example count");
  if (!n) return fail(n.error());
  if (seq.value() < 2 || seq.value() > (uint64_t{1} << 24)) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": sequence length " + std::to_string(seq.value()));
  }
  if (vocab.value() == 0 || vocab.value() > (uint64_t{1} << 31) || pad.value() >= vocab.value()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": vocabulary size or pad token out of range");
  }
  if (n.value() == 0) return make_error(ErrorCode::INVALID_ARGUMENT, where + ": no examples");
  if (Status s = r.need_items(n.value(), 2 * G1::kBytes, "examples"); !s) return fail(s.error());
  c.format_version = fv.value();
  c.seq = static_cast<int64_t>(seq.value());
  c.vocab = static_cast<int64_t>(vocab.value());
  c.pad_token = static_cast<int64_t>(pad.value());
  auto points = r.g1_affines(2 * n.value(), "example commitments", threads);
  if (!points) return fail(points.error());
  c.tokens.resize(n.value());
  c.targets.resize(n.value());
  for (size_t i = 0; i < n.value(); ++i) {
    c.tokens[i] = (*points)[2 * i];
    c.targets[i] = (*points)[2 * i + 1];
  }
  if (Status s = r.finish(); !s) return fail(s.error());
  return c;
}

std::array<uint8_t, 32> data_digest(const DataCommitment& c) { return file_digest(c.to_bytes()); }

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

bool is_data_commitment_file(const std::filesystem::path& file) { return file_starts_with(file, kDataCommitmentMagic); }
bool is_data_blinds_file(const std::filesystem::path& file) { return file_starts_with(file, kDataBlindsMagic); }

Status write_data_commitment(const std::filesystem::path& public_file, const DataProverCommitment& c) {
  const std::vector<uint8_t> pub = c.commitment.to_bytes();
  ByteWriter w;
  for (const char ch : kDataBlindsMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(kDataBlindsVersion);
  w.raw(file_digest(pub));
  w.raw(c.content);
  w.u64(c.token_blinds.size());
  for (size_t i = 0; i < c.token_blinds.size(); ++i) {
    w.fr(c.token_blinds[i]);
    w.fr(c.target_blinds[i]);
  }
  // The prover's file first: a public file never exists without the blinds that open it.
  if (Status s = write_file_atomically(prover_file_path(public_file), w.take()); !s) return s;
  return write_file_atomically(public_file, pub);
}

Result<DataCommitment> read_data_commitment(const std::filesystem::path& public_file, int threads) {
  auto bytes = read_file(public_file);
  if (!bytes) return bytes.error();
  return DataCommitment::from_bytes(*bytes, public_file.string(), threads);
}

Result<DataProverCommitment> read_data_prover_commitment(const std::filesystem::path& public_file, int threads) {
  auto pub_bytes = read_file(public_file);
  if (!pub_bytes) return pub_bytes.error();
  auto pub = DataCommitment::from_bytes(*pub_bytes, public_file.string(), threads);
  if (!pub) return pub.error();
  const std::filesystem::path bf = prover_file_path(public_file);
  auto bytes = read_file(bf);
  if (!bytes) return bytes.error();
  const std::string where = bf.string();
  const auto fail = [&](const Error& e) { return Error{e.code, where + ": " + e.message}; };
  ByteReader r(*bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), kDataBlindsMagic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora prover data file (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return fail(version.error());
  if (version.value() != kDataBlindsVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported version " + std::to_string(version.value()));
  }
  auto digest = r.raw(32, "public file digest");
  if (!digest) return fail(digest.error());
  const auto want = file_digest(*pub_bytes);
  if (!std::equal(want.begin(), want.end(), digest->begin())) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": belongs to another public data commitment than " +
                                                       public_file.string());
  }
  DataProverCommitment out;
  out.commitment = std::move(pub.value());
  auto content = r.raw(32, "content hash");
  if (!content) return fail(content.error());
  std::copy(content->begin(), content->end(), out.content.begin());
  auto n = r.u64("example count");
  if (!n) return fail(n.error());
  if (n.value() != static_cast<uint64_t>(out.commitment.examples())) {
    return make_error(ErrorCode::BAD_LENGTH, where + ": blinds for " + std::to_string(n.value()) +
                                                 " examples, the public file holds " +
                                                 std::to_string(out.commitment.examples()));
  }
  auto blinds = r.frs(2 * n.value(), "blinds");
  if (!blinds) return fail(blinds.error());
  for (size_t i = 0; i < n.value(); ++i) {
    out.token_blinds.push_back((*blinds)[2 * i]);
    out.target_blinds.push_back((*blinds)[2 * i + 1]);
  }
  if (Status s = r.finish(); !s) return fail(s.error());
  return out;
}

}  // namespace zklora
