// The base-weight commitment and its file (weight_commitment.h).
#include "zklora/step/weight_commitment.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "zklora/fixed/format.h"
#include "zklora/pcs/codec.h"
#include "zklora/poly/shape.h"

namespace zklora {
namespace {

void commit_into(ProverCommitments& out, const std::string& name, const WTensor& w, int threads) {
  out.insert_or_assign(name, commit_weight_tensor(w, threads));
}

void write_string(ByteWriter& w, const std::string& s) {
  w.u32(static_cast<uint32_t>(s.size()));
  for (const char ch : s) w.u8(static_cast<uint8_t>(ch));
}

Result<std::string> read_string(ByteReader& r, const char* what) {
  auto n = r.u32(what);
  if (!n) return n.error();
  auto b = r.raw(n.value(), what);
  if (!b) return b.error();
  return std::string(b->begin(), b->end());
}

}  // namespace

HyraxCommitted commit_weight_tensor(const WTensor& w, int threads) {
  std::vector<uint64_t> dims;
  for (const int64_t d : w.shape) dims.push_back(static_cast<uint64_t>(d));
  return hyrax_commit_tensor(dims, std::span<const int32_t>(w.data), threads);
}

ProverCommitments commit_model_weights(const ModelWeights& weights, int threads) {
  ProverCommitments out;
  commit_into(out, "embed", weights.embed, threads);
  commit_into(out, "lm_head", weights.lm_head, threads);
  commit_into(out, "final_norm", weights.final_norm, threads);
  for (int64_t l = 0; l < weights.config.n_layers; ++l) {
    const auto layer = weights.layer(l);
    const std::string p = "layers." + std::to_string(l) + ".";
    commit_into(out, p + "attn_norm", layer->attn_norm, threads);
    commit_into(out, p + "mlp_norm", layer->mlp_norm, threads);
    for (const Projection pr : kAllProjections) commit_into(out, p + projection_module(pr), layer->projection(pr), threads);
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

bool is_weight_commitment_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[sizeof kWeightCommitmentMagic] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, kWeightCommitmentMagic, sizeof magic) == 0;
}

Status write_weight_commitment(const std::filesystem::path& file, const WeightCommitmentFile& c) {
  ByteWriter w;
  for (const char ch : kWeightCommitmentMagic) w.u8(static_cast<uint8_t>(ch));
  w.u32(kWeightCommitmentVersion);
  w.u32(c.format_version);
  write_string(w, c.content_hash);
  write_string(w, c.config_json);
  w.u32(static_cast<uint32_t>(c.tensors.size()));
  for (const auto& [name, x] : c.tensors) {
    write_string(w, name);
    x.commitment.write(w);
  }
  w.u64(c.weight_check.size());
  for (const uint8_t b : c.weight_check) w.u8(b);
  w.u8(c.has_blinds ? 1 : 0);
  if (c.has_blinds) {
    for (const auto& [name, x] : c.tensors) {
      w.u64(x.data.row_blinds.size());
      w.frs(x.data.row_blinds);
    }
  }
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(w.bytes().data()), static_cast<std::streamsize>(w.size()));
    if (!out) return make_error(ErrorCode::IO, tmp.string() + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return make_error(ErrorCode::IO, file.string() + ": " + ec.message());
  return {};
}

Result<WeightCommitmentFile> read_weight_commitment(const std::filesystem::path& file, int threads) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::IO, file.string() + ": cannot open");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ByteReader r(bytes);
  auto magic = r.raw(8, "magic");
  if (!magic || std::memcmp(magic->data(), kWeightCommitmentMagic, 8) != 0) {
    return make_error(ErrorCode::INVALID_ARGUMENT, file.string() + ": not a zklora weight commitment (bad magic)");
  }
  auto version = r.u32("version");
  if (!version) return version.error();
  if (version.value() != kWeightCommitmentVersion) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      file.string() + ": unsupported commitment version " + std::to_string(version.value()));
  }
  WeightCommitmentFile c;
  auto fv = r.u32("format version");
  if (!fv) return fv.error();
  c.format_version = fv.value();
  auto hash = read_string(r, "content hash");
  if (!hash) return hash.error();
  c.content_hash = hash.value();
  auto cfg = read_string(r, "config");
  if (!cfg) return cfg.error();
  c.config_json = cfg.value();
  auto count = r.u32("tensor count");
  if (!count) return count.error();
  if (count.value() > r.remaining() / 4) return make_error(ErrorCode::BAD_LENGTH, "commitment: tensor count too large");
  std::vector<std::string> names;
  for (uint32_t i = 0; i < count.value(); ++i) {
    auto name = read_string(r, "tensor name");
    if (!name) return name.error();
    auto cm = HyraxCommitment::read(r, threads);
    if (!cm) return Error{cm.code(), name.value() + ": " + cm.error().message};
    if (c.tensors.count(name.value()) != 0) {
      return make_error(ErrorCode::INVALID_ARGUMENT, file.string() + ": tensor " + name.value() + " twice");
    }
    names.push_back(name.value());
    c.tensors.emplace(name.value(), HyraxCommitted{std::move(cm.value()), {}});
  }
  auto check_size = r.u64("weight check length");
  if (!check_size) return check_size.error();
  if (check_size.value() > r.remaining()) return make_error(ErrorCode::BAD_LENGTH, "commitment: weight check length");
  auto check = r.raw(static_cast<size_t>(check_size.value()), "weight check");
  if (!check) return check.error();
  c.weight_check.assign(check->begin(), check->end());
  auto blinds = r.u8("blinds flag");
  if (!blinds) return blinds.error();
  if (blinds.value() > 1) return make_error(ErrorCode::INVALID_ARGUMENT, file.string() + ": bad blinds flag");
  c.has_blinds = blinds.value() == 1;
  if (c.has_blinds) {
    for (const std::string& name : names) {
      auto n = r.u64("blind count");
      if (!n) return n.error();
      HyraxCommitted& x = c.tensors.at(name);
      if (n.value() != x.commitment.rows().size()) return make_error(ErrorCode::BAD_LENGTH, name + ": blind count");
      auto f = r.frs(n.value(), "blinds");
      if (!f) return f.error();
      x.data.row_blinds = std::move(f.value());
    }
  }
  if (Status s = r.finish(); !s) return s.error();
  return c;
}

}  // namespace zklora
