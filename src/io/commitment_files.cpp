// The weight and data commitments' files (commitment_files.h), each a public file and its prover file
// (file_pair.h).
#include "zklora/io/commitment_files.h"

#include <cstring>

#include "file_codec.h"
#include "file_pair.h"
#include "zklora/base/files.h"
#include "zklora/pcs/codec.h"

namespace zklora {
namespace {

// The digest domains are the files' since their first version: changing one would orphan every prover file.
constexpr io::ProverFileFormat kWeightBlinds{"zklora-weight-commitment-file", kWeightBlindsMagic,
                                             kWeightBlindsVersion, "prover commitment file", "public commitment file"};
constexpr io::ProverFileFormat kDataBlinds{"zklora-data-commitment-file", kDataBlindsMagic, kDataBlindsVersion,
                                           "prover data file", "public data commitment"};

}  // namespace

// ---- base weights ----

std::vector<uint8_t> encode_weight_commitment(const WeightCommitmentFile& c) {
  ByteWriter w;
  io::write_magic(w, kWeightCommitmentMagic);
  w.u32(kWeightCommitmentVersion);
  w.u32(c.format_version);
  w.str(c.content_hash);
  w.str(c.config_json);
  w.u32(static_cast<uint32_t>(c.tensors.size()));
  for (const auto& [name, x] : c.tensors) {
    w.str(name);
    x.write(w);
  }
  w.u64(c.weight_check.size());
  w.raw(c.weight_check);
  return w.take();
}

Result<WeightCommitmentFile> parse_weight_commitment(std::span<const uint8_t> bytes, const std::string& where,
                                                     int threads) {
  ByteReader r(bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), kWeightCommitmentMagic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora weight commitment (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return version.error();
  if (version.value() != kWeightCommitmentVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported commitment version " +
                                                       std::to_string(version.value()) +
                                                       " (run zklora commit again)");
  }
  WeightCommitmentFile c;
  auto fv = r.u32("format version");
  if (!fv) return fv.error();
  c.format_version = fv.value();
  auto hash = r.str("content hash");
  if (!hash) return hash.error();
  c.content_hash = hash.value();
  auto cfg = r.str("config");
  if (!cfg) return cfg.error();
  c.config_json = cfg.value();
  auto count = r.u32("tensor count");
  if (!count) return count.error();
  if (count.value() > r.remaining() / 4) return make_error(ErrorCode::BAD_LENGTH, where + ": tensor count too large");
  for (uint32_t i = 0; i < count.value(); ++i) {
    auto name = r.str("tensor name");
    if (!name) return name.error();
    auto cm = HyraxCommitment::read(r, threads);
    if (!cm) return Error{cm.code(), name.value() + ": " + cm.error().message};
    // One encoding per file: names strictly increasing (the order the writer uses).
    if (!c.tensors.empty() && !(c.tensors.rbegin()->first < name.value())) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": tensor " + name.value() + " out of order or twice");
    }
    c.tensors.emplace(name.value(), std::move(cm.value()));
  }
  auto check_size = r.u64("weight check length");
  if (!check_size) return check_size.error();
  if (check_size.value() > r.remaining()) return make_error(ErrorCode::BAD_LENGTH, where + ": weight check length");
  auto check = r.raw(static_cast<size_t>(check_size.value()), "weight check");
  if (!check) return check.error();
  c.weight_check.assign(check->begin(), check->end());
  if (Status s = r.finish(); !s) return Error{s.code(), where + ": " + s.error().message};
  return c;
}

std::filesystem::path weight_blinds_path(const std::filesystem::path& public_file) {
  return prover_file_path(public_file);
}

bool is_weight_commitment_file(const std::filesystem::path& file) {
  return file_starts_with(file, kWeightCommitmentMagic);
}
bool is_weight_blinds_file(const std::filesystem::path& file) { return file_starts_with(file, kWeightBlindsMagic); }

Status write_weight_commitment(const std::filesystem::path& file, const WeightCommitmentFile& c,
                               const ProverCommitments& with_blinds) {
  const std::vector<uint8_t> pub = encode_weight_commitment(c);
  ByteWriter w = io::start_prover_file(kWeightBlinds, pub);
  w.u32(static_cast<uint32_t>(with_blinds.size()));
  for (const auto& [name, x] : with_blinds) {
    const auto it = c.tensors.find(name);
    if (it == c.tensors.end() || !(it->second == x.commitment)) {
      return make_error(ErrorCode::INVALID_ARGUMENT, "weight commitment: blinds for " + name +
                                                         ", which the public file does not hold");
    }
    w.str(name);
    w.u64(x.data.row_blinds.size());
    w.frs(x.data.row_blinds);
  }
  return io::write_file_pair(file, pub, w.take());
}

Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& file, int threads) {
  auto bytes = read_file(file);
  if (!bytes) return bytes.error();
  return parse_weight_commitment(*bytes, file.string(), threads);
}

Result<ProverCommitments> read_weight_prover_commitments(const std::filesystem::path& file, int threads) {
  auto pub_bytes = read_file(file);
  if (!pub_bytes) return pub_bytes.error();
  auto pub = parse_weight_commitment(*pub_bytes, file.string(), threads);
  if (!pub) return pub.error();
  ProverCommitments out;
  const auto payload = [&](ByteReader& r, const std::string& where) -> Status {
    auto count = r.u32("tensor count");
    if (!count) return count.error();
    if (count.value() != pub->tensors.size()) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": blinds for " + std::to_string(count.value()) +
                                                         " tensors, the public file holds " +
                                                         std::to_string(pub->tensors.size()));
    }
    for (uint32_t i = 0; i < count.value(); ++i) {
      auto name = r.str("tensor name");
      if (!name) return name.error();
      const auto it = pub->tensors.find(name.value());
      if (it == pub->tensors.end() || out.count(name.value()) != 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unexpected tensor " + name.value());
      }
      auto n = r.u64("blind count");
      if (!n) return n.error();
      if (n.value() != it->second.rows().size()) return make_error(ErrorCode::BAD_LENGTH, where + ": " + name.value());
      auto f = r.frs(n.value(), "blinds");
      if (!f) return f.error();
      out.emplace(name.value(), HyraxCommitted{it->second, HyraxProverData{std::move(f.value())}});
    }
    return {};
  };
  if (Status s = io::read_prover_file(kWeightBlinds, file, *pub_bytes, payload); !s) return s.error();
  return out;
}

// ---- data set ----

bool is_data_commitment_file(const std::filesystem::path& file) { return file_starts_with(file, kDataCommitmentMagic); }
bool is_data_blinds_file(const std::filesystem::path& file) { return file_starts_with(file, kDataBlindsMagic); }

std::vector<uint8_t> encode_data_commitment(const DataCommitment& c) {
  ByteWriter w;
  io::write_magic(w, kDataCommitmentMagic);
  w.u32(kDataCommitmentVersion);
  w.u32(c.format_version);
  w.u64(static_cast<uint64_t>(c.seq));
  w.u64(static_cast<uint64_t>(c.vocab));
  w.u64(static_cast<uint64_t>(c.pad_token));
  w.u64(c.tokens.size());
  for (size_t i = 0; i < c.tokens.size(); ++i) {
    w.g1(c.tokens[i]);
    w.g1(c.targets[i]);
  }
  return w.take();
}

Result<DataCommitment> parse_data_commitment(std::span<const uint8_t> bytes, const std::string& where, int threads) {
  const auto fail = [&](const Error& e) { return io::at(where, e); };
  ByteReader r(bytes);
  if (Status s = io::read_magic(r, kDataCommitmentMagic, where, "data commitment", kDataCommitmentVersion); !s) {
    return s.error();
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

Status write_data_commitment(const std::filesystem::path& public_file, const DataProverCommitment& c) {
  const std::vector<uint8_t> pub = encode_data_commitment(c.commitment);
  ByteWriter w = io::start_prover_file(kDataBlinds, pub);
  w.raw(c.content);
  w.u64(c.token_blinds.size());
  for (size_t i = 0; i < c.token_blinds.size(); ++i) {
    w.fr(c.token_blinds[i]);
    w.fr(c.target_blinds[i]);
  }
  return io::write_file_pair(public_file, pub, w.take());
}

Result<DataCommitment> read_data_commitment(const std::filesystem::path& public_file, int threads) {
  auto bytes = read_file(public_file);
  if (!bytes) return bytes.error();
  return parse_data_commitment(*bytes, public_file.string(), threads);
}

Result<DataProverCommitment> read_data_prover_commitment(const std::filesystem::path& public_file, int threads) {
  auto pub_bytes = read_file(public_file);
  if (!pub_bytes) return pub_bytes.error();
  auto pub = parse_data_commitment(*pub_bytes, public_file.string(), threads);
  if (!pub) return pub.error();
  DataProverCommitment out;
  out.commitment = std::move(pub.value());
  const auto payload = [&](ByteReader& r, const std::string& where) -> Status {
    auto content = io::read_digest(r, "content hash");
    if (!content) return io::at(where, content.error());
    out.content = content.value();
    auto n = r.u64("example count");
    if (!n) return io::at(where, n.error());
    if (n.value() != static_cast<uint64_t>(out.commitment.examples())) {
      return make_error(ErrorCode::BAD_LENGTH, where + ": blinds for " + std::to_string(n.value()) +
                                                   " examples, the public file holds " +
                                                   std::to_string(out.commitment.examples()));
    }
    auto blinds = r.frs(2 * n.value(), "blinds");
    if (!blinds) return io::at(where, blinds.error());
    for (size_t i = 0; i < n.value(); ++i) {
      out.token_blinds.push_back((*blinds)[2 * i]);
      out.target_blinds.push_back((*blinds)[2 * i + 1]);
    }
    return {};
  };
  if (Status s = io::read_prover_file(kDataBlinds, public_file, *pub_bytes, payload); !s) return s.error();
  return out;
}

}  // namespace zklora
