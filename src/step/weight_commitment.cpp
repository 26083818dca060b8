// The base-weight commitment and its file (weight_commitment.h).
#include "zklora/step/weight_commitment.h"

#include <bit>
#include <cstring>

#include <nlohmann/json.hpp>

#include "zklora/base/files.h"
#include "zklora/fixed/format.h"
#include "zklora/pcs/codec.h"
#include "zklora/poly/shape.h"
#include "zklora/step/weight_check.h"

namespace zklora {

HyraxCommitted commit_weight_tensor(const WTensor& w, int threads) {
  std::vector<uint64_t> dims;
  for (const int64_t d : w.shape) dims.push_back(static_cast<uint64_t>(d));
  return hyrax_commit_tensor(dims, std::span<const int32_t>(w.data), threads);
}

std::vector<WeightTensor> model_weight_tensors(const ModelConfig& c) {
  const auto u = [](int64_t x) { return static_cast<uint64_t>(x); };
  std::vector<WeightTensor> out{{TensorKey::of(TensorKind::EMBED), {u(c.vocab_size), u(c.d_model)}}};
  if (!c.tie_embeddings) out.push_back({TensorKey::of(TensorKind::LM_HEAD), {u(c.vocab_size), u(c.d_model)}});
  out.push_back({TensorKey::of(TensorKind::FINAL_NORM), {u(c.d_model)}});
  for (int64_t l = 0; l < c.n_layers; ++l) {
    out.push_back({TensorKey::norm(TensorKind::ATTN_NORM, l), {u(c.d_model)}});
    out.push_back({TensorKey::norm(TensorKind::MLP_NORM, l), {u(c.d_model)}});
    for (const Projection pr : kAllProjections) {
      const auto [o, i] = projection_shape(c, pr);
      out.push_back({TensorKey::projection(l, pr), {u(o), u(i)}});
    }
  }
  return out;
}

const WTensor& weight_tensor(const ModelWeights& w, const TensorKey& k, std::shared_ptr<const LayerWeights>& layer) {
  switch (k.kind) {
    case TensorKind::EMBED: return w.embed;
    case TensorKind::LM_HEAD: return w.lm_head;
    case TensorKind::FINAL_NORM: return w.final_norm;
    case TensorKind::PROJECTION:
    case TensorKind::ATTN_NORM:
    case TensorKind::MLP_NORM:
      if (!layer) layer = w.layer(k.layer);
      return k.kind == TensorKind::PROJECTION ? layer->projection(k.proj)
             : k.kind == TensorKind::ATTN_NORM ? layer->attn_norm
                                               : layer->mlp_norm;
    default: throw ZkError(ErrorCode::INVALID_ARGUMENT, k.name() + " is not a base weight");
  }
}

ProverCommitments commit_model_weights(const ModelWeights& weights, int threads) {
  ProverCommitments out;
  std::shared_ptr<const LayerWeights> layer;
  int64_t held = -1;
  for (const WeightTensor& t : model_weight_tensors(weights.config)) {
    if (t.key.layer != held) layer.reset();  // one layer's weights at a time
    held = t.key.layer;
    out.emplace(t.key.name(), commit_weight_tensor(weight_tensor(weights, t.key, layer), threads));
  }
  return out;
}

std::string model_config_json(const ModelConfig& m) {
  nlohmann::json j = {{"vocab_size", m.vocab_size},     {"hidden_size", m.d_model},
                      {"num_hidden_layers", m.n_layers}, {"num_attention_heads", m.n_heads},
                      {"num_key_value_heads", m.n_kv_heads}, {"intermediate_size", m.d_ffn},
                      {"max_position_embeddings", m.max_seq}, {"rope_theta", m.rope_theta},
                      {"rms_norm_eps", m.rms_eps},       {"tie_word_embeddings", m.tie_embeddings}};
  return j.dump();
}

namespace {

std::array<uint8_t, 32> digest_of(std::span<const uint8_t> bytes) {
  Transcript t("zklora-weight-commitment-file");
  t.absorb_bytes("file", bytes);
  return t.digest();
}


Result<WeightCommitmentFile> decode_public(const std::string& where, std::span<const uint8_t> bytes, int threads) {
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
    if (c.tensors.count(name.value()) != 0) {
      return make_error(ErrorCode::INVALID_ARGUMENT, where + ": tensor " + name.value() + " twice");
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

}  // namespace

std::vector<uint8_t> encode_weight_commitment(const WeightCommitmentFile& c) {
  ByteWriter w;
  for (const char ch : kWeightCommitmentMagic) w.u8(static_cast<uint8_t>(ch));
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
  for (const uint8_t b : c.weight_check) w.u8(b);
  return w.take();
}

std::filesystem::path weight_blinds_path(const std::filesystem::path& public_file) {
  return prover_file_path(public_file);
}

bool is_weight_commitment_file(const std::filesystem::path& file) { return file_starts_with(file, kWeightCommitmentMagic); }
bool is_weight_blinds_file(const std::filesystem::path& file) { return file_starts_with(file, kWeightBlindsMagic); }

Status write_weight_commitment(const std::filesystem::path& file, const WeightCommitmentFile& c,
                               const ProverCommitments& with_blinds) {
  const std::vector<uint8_t> pub = encode_weight_commitment(c);
  ByteWriter w;
  for (const char ch : kWeightBlindsMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(kWeightBlindsVersion);
  for (const uint8_t b : digest_of(pub)) w.u8(b);
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
  // The prover's file first: a public file never exists without the blinds that open it.
  if (Status s = write_file_atomically(weight_blinds_path(file), w.take()); !s) return s;
  return write_file_atomically(file, pub);
}

Result<WeightCommitmentFile> parse_weight_commitment(std::span<const uint8_t> bytes, const std::string& where,
                                                     int threads) {
  return decode_public(where, bytes, threads);
}

Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& file, int threads) {
  auto bytes = read_file(file);
  if (!bytes) return bytes.error();
  return decode_public(file.string(), *bytes, threads);
}

Result<ProverCommitments> read_weight_prover_commitments(const std::filesystem::path& file, int threads) {
  auto pub_bytes = read_file(file);
  if (!pub_bytes) return pub_bytes.error();
  auto pub = decode_public(file.string(), *pub_bytes, threads);
  if (!pub) return pub.error();
  const std::filesystem::path bf = weight_blinds_path(file);
  auto bytes = read_file(bf);
  if (!bytes) return bytes.error();
  const std::string where = bf.string();
  ByteReader r(*bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), kWeightBlindsMagic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": not a zklora prover commitment file (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return version.error();
  if (version.value() != kWeightBlindsVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": unsupported version " + std::to_string(version.value()));
  }
  auto digest = r.raw(32, "public file digest");
  if (!digest) return digest.error();
  const auto want = digest_of(*pub_bytes);
  if (!std::equal(want.begin(), want.end(), digest->begin())) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": belongs to another public commitment file than " +
                                                       file.string());
  }
  auto count = r.u32("tensor count");
  if (!count) return count.error();
  if (count.value() != pub->tensors.size()) {
    return make_error(ErrorCode::INVALID_ARGUMENT, where + ": blinds for " + std::to_string(count.value()) +
                                                       " tensors, the public file holds " +
                                                       std::to_string(pub->tensors.size()));
  }
  ProverCommitments out;
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
  if (Status s = r.finish(); !s) return Error{s.code(), where + ": " + s.error().message};
  return out;
}

Result<WeightCommitment> WeightCommitment::checked(const ModelConfig& config, const WeightCommitmentFile& file,
                                                   int threads) {
  if (file.weight_check.empty()) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "the weight commitment carries no weight check (made with --skip-weight-check): trust it "
                      "explicitly or commit the model again with the check");
  }
  if (file.config_json != model_config_json(config) || file.format_version != kFixedFormatVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "the weight commitment was made for another model configuration or fixed-point format");
  }
  if (Status s = verify_weight_check(config, file.tensors, file.weight_check, threads); !s) {
    return Error{s.code(), "weight check: " + s.error().message};
  }
  return WeightCommitment(file.tensors, true);
}

WeightCommitment WeightCommitment::trusted(PublicCommitments tensors) { return WeightCommitment(std::move(tensors), false); }

}  // namespace zklora
