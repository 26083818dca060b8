// Hugging Face LLaMA checkpoints: config.json with LlamaConfig's names and defaults, and the weights spread over
// one or several memory-mapped .safetensors files (checkpoint.h). Opening validates everything the model will
// read, so that later tensor() calls fail only on memory, never on a malformed file.
#include "zklora/model/checkpoint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "zklora/base/files.h"
#include "zklora/model/safetensors.h"

namespace zklora {
namespace {

Error invalid(const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); }

Result<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::IO, file.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::IO, file.string() + ": read failed");
  return ss.str();
}

// An integer field: the default when absent (or null, when null_is_default), else a JSON integer.
Status get_int(const nlohmann::json& j, const char* key, int64_t fallback, int64_t& out, const std::string& src) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out = fallback;
    return {};
  }
  if (!it->is_number_integer()) return invalid(src + ": \"" + key + "\" must be an integer");
  out = it->get<int64_t>();
  return {};
}

Status get_double(const nlohmann::json& j, const char* key, double fallback, double& out, const std::string& src) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    out = fallback;
    return {};
  }
  if (!it->is_number()) return invalid(src + ": \"" + key + "\" must be a number");
  out = it->get<double>();
  return {};
}

// A field whose only supported value is `expected` (when present and not null).
template <class T>
Status require_if_present(const nlohmann::json& j, const char* key, const T& expected, const std::string& src,
                          const std::string& why) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (*it != nlohmann::json(expected)) {
    return invalid(src + ": \"" + key + "\" is " + it->dump() + "; only " + nlohmann::json(expected).dump() +
                   " is supported (" + why + ")");
  }
  return {};
}

}  // namespace

Result<ModelConfig> parse_model_config(const std::string& json_text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return invalid(source + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return invalid(source + ": not a JSON object");

  if (Status s = require_if_present(j, "model_type", std::string("llama"), source, "a LLaMA checkpoint"); !s)
    return s.error();
  if (Status s = require_if_present(j, "hidden_act", std::string("silu"), source, "LLaMA's SwiGLU MLP"); !s) {
    return s.error();
  }
  if (Status s = require_if_present(j, "attention_bias", false, source, "LLaMA projections have no bias"); !s) {
    return s.error();
  }
  if (Status s = require_if_present(j, "mlp_bias", false, source, "LLaMA projections have no bias"); !s) {
    return s.error();
  }
  if (const auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
    return invalid(source + ": \"rope_scaling\" is set; only plain RoPE (rope_scaling null) is supported");
  }

  // LlamaConfig's defaults (transformers/models/llama/configuration_llama.py).
  ModelConfig m;
  Status s;
  if (!(s = get_int(j, "vocab_size", 32000, m.vocab_size, source))) return s.error();
  if (!(s = get_int(j, "hidden_size", 4096, m.d_model, source))) return s.error();
  if (!(s = get_int(j, "intermediate_size", 11008, m.d_ffn, source))) return s.error();
  if (!(s = get_int(j, "num_hidden_layers", 32, m.n_layers, source))) return s.error();
  if (!(s = get_int(j, "num_attention_heads", 32, m.n_heads, source))) return s.error();
  if (!(s = get_int(j, "num_key_value_heads", m.n_heads, m.n_kv_heads, source))) return s.error();
  if (!(s = get_int(j, "max_position_embeddings", 2048, m.max_seq, source))) return s.error();
  if (!(s = get_double(j, "rope_theta", 10000.0, m.rope_theta, source))) return s.error();
  if (!(s = get_double(j, "rms_norm_eps", 1e-6, m.rms_eps, source))) return s.error();
  if (!(s = get_int(j, "bos_token_id", 1, m.bos_token_id, source))) return s.error();
  if (!(s = get_int(j, "pad_token_id", 0, m.pad_token_id, source))) return s.error();
  // eos_token_id may be a list (several stop tokens); the first one is the end-of-sequence token.
  if (const auto it = j.find("eos_token_id"); it != j.end() && it->is_array()) {
    if (it->empty() || !(*it)[0].is_number_integer()) {
      return invalid(source + ": \"eos_token_id\" must be an integer or a non-empty list of integers");
    }
    m.eos_token_id = (*it)[0].get<int64_t>();
  } else if (!(s = get_int(j, "eos_token_id", 2, m.eos_token_id, source))) {
    return s.error();
  }
  if (const auto it = j.find("tie_word_embeddings"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalid(source + ": \"tie_word_embeddings\" must be true or false");
    m.tie_embeddings = it->get<bool>();
  }
  if (const auto it = j.find("head_dim"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer() || m.n_heads <= 0 || m.d_model % m.n_heads != 0 ||
        it->get<int64_t>() != m.d_model / m.n_heads) {
      return invalid(source + ": \"head_dim\" " + it->dump() +
                     " must equal hidden_size / num_attention_heads (other head sizes are not supported)");
    }
  }
  if (Status v = m.validate(); !v) return invalid(source + ": " + v.error().message);
  return m;
}

Result<ModelConfig> read_model_config(const std::filesystem::path& config_json) {
  Result<std::string> text = read_text(config_json);
  if (!text) return text.error();
  return parse_model_config(*text, config_json.string());
}

Status write_model_config(const ModelConfig& config, const std::filesystem::path& config_json,
                          const std::string& torch_dtype, double initializer_range) {
  if (Status s = config.validate(); !s) return s;
  // nlohmann::json keeps keys sorted, as transformers writes them.
  nlohmann::json j = {
      {"architectures", {"LlamaForCausalLM"}},
      {"attention_bias", false},
      {"bos_token_id", config.bos_token_id},
      {"eos_token_id", config.eos_token_id},
      {"hidden_act", "silu"},
      {"hidden_size", config.d_model},
      {"initializer_range", initializer_range},
      {"intermediate_size", config.d_ffn},
      {"max_position_embeddings", config.max_seq},
      {"model_type", "llama"},
      {"num_attention_heads", config.n_heads},
      {"num_hidden_layers", config.n_layers},
      {"num_key_value_heads", config.n_kv_heads},
      {"pad_token_id", config.pad_token_id},
      {"pretraining_tp", 1},
      {"rms_norm_eps", config.rms_eps},
      {"rope_scaling", nullptr},
      {"rope_theta", config.rope_theta},
      {"tie_word_embeddings", config.tie_embeddings},
      {"use_cache", true},
      {"vocab_size", config.vocab_size},
  };
  if (!torch_dtype.empty()) j["torch_dtype"] = torch_dtype;
  return write_file_atomically(config_json, j.dump(2) + "\n");
}

Status write_model_config(const ModelConfig& config, const std::filesystem::path& config_json) {
  return write_model_config(config, config_json, "");
}

std::string llama_projection_name(int64_t layer, Projection p) {
  return "model.layers." + std::to_string(layer) + "." + projection_block(p) + "." + projection_module(p) + ".weight";
}

std::vector<LlamaTensor> llama_tensors(const ModelConfig& m) {
  std::vector<LlamaTensor> out;
  out.push_back({"model.embed_tokens.weight", {m.vocab_size, m.d_model}, false});
  for (int64_t l = 0; l < m.n_layers; ++l) {
    for (const Projection p : kAllProjections) {
      const auto [rows, cols] = projection_shape(m, p);
      out.push_back({llama_projection_name(l, p), {rows, cols}, false});
    }
    const std::string prefix = "model.layers." + std::to_string(l) + ".";
    out.push_back({prefix + "input_layernorm.weight", {m.d_model}, true});
    out.push_back({prefix + "post_attention_layernorm.weight", {m.d_model}, true});
  }
  out.push_back({"model.norm.weight", {m.d_model}, true});
  if (!m.tie_embeddings) out.push_back({"lm_head.weight", {m.vocab_size, m.d_model}, false});
  return out;
}

int64_t llama_parameter_count(const ModelConfig& m) {
  int64_t n = 0;
  for (const LlamaTensor& t : llama_tensors(m)) {
    int64_t k = 1;
    for (const int64_t d : t.shape) k *= d;
    n += k;
  }
  return n;
}

// ---- Checkpoint ----------------------------------------------------------------------------------------------

struct Checkpoint::Impl {
  ModelConfig config;
  std::filesystem::path dir;
  std::string config_text;
  std::vector<SafetensorsFile> files;
  // tensor name -> (file index, entry)
  std::map<std::string, std::pair<size_t, const SafetensorsEntry*>> tensors;
};

Checkpoint::Checkpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

namespace {

// Cross-checks model.safetensors.index.json, when present, against where the tensors were actually found.
Status check_index(const std::filesystem::path& dir, const std::vector<SafetensorsFile>& files,
                   const std::map<std::string, std::pair<size_t, const SafetensorsEntry*>>& tensors) {
  const std::filesystem::path index = dir / "model.safetensors.index.json";
  std::error_code ec;
  if (!std::filesystem::exists(index, ec)) return {};
  Result<std::string> text = read_text(index);
  if (!text) return text.error();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return invalid(index.string() + ": not valid JSON: " + e.what());
  }
  const auto map = j.is_object() ? j.find("weight_map") : j.end();
  if (map == j.end() || !map->is_object()) return invalid(index.string() + ": no \"weight_map\" object");
  for (const auto& [name, file] : map->items()) {
    if (!file.is_string()) return invalid(index.string() + ": the file of tensor '" + name + "' is not a string");
    const auto it = tensors.find(name);
    if (it == tensors.end()) {
      return invalid(index.string() + ": lists tensor '" + name + "' in " + file.get<std::string>() +
                     ", which does not hold it");
    }
    const std::string actual = files[it->second.first].path().filename().string();
    if (actual != file.get<std::string>()) {
      return invalid(index.string() + ": lists tensor '" + name + "' in " + file.get<std::string>() + " but it is in " +
                     actual);
    }
  }
  for (const auto& [name, where] : tensors) {
    if (!map->contains(name)) {
      return invalid(index.string() + ": does not list tensor '" + name + "' of " +
                     files[where.first].path().filename().string());
    }
  }
  return {};
}

}  // namespace

Result<Checkpoint> Checkpoint::open(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return make_error(ErrorCode::IO, dir.string() + ": not a directory");
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  Result<std::string> text = read_text(dir / "config.json");
  if (!text) return text.error();
  Result<ModelConfig> config = parse_model_config(*text, (dir / "config.json").string());
  if (!config) return config.error();
  impl->config = *config;
  impl->config_text = std::move(text).value();

  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".safetensors" && e.path().filename().string()[0] != '.') paths.push_back(e.path());
  }
  if (ec) return make_error(ErrorCode::IO, dir.string() + ": cannot list: " + ec.message());
  if (paths.empty()) return make_error(ErrorCode::IO, dir.string() + ": no *.safetensors files");
  std::sort(paths.begin(), paths.end());
  impl->files.reserve(paths.size());
  for (const auto& p : paths) {
    Result<SafetensorsFile> f = SafetensorsFile::open(p);
    if (!f) return f.error();
    impl->files.push_back(std::move(f).value());
  }
  for (size_t i = 0; i < impl->files.size(); ++i) {
    for (const SafetensorsEntry& e : impl->files[i].header().entries) {
      const auto [it, fresh] = impl->tensors.emplace(e.name, std::make_pair(i, &e));
      if (!fresh) {
        return invalid(dir.string() + ": tensor '" + e.name + "' is in both " +
                       impl->files[it->second.first].path().filename().string() + " and " +
                       impl->files[i].path().filename().string());
      }
    }
  }
  if (Status s = check_index(dir, impl->files, impl->tensors); !s) return s.error();

  for (const LlamaTensor& t : llama_tensors(impl->config)) {
    const auto it = impl->tensors.find(t.name);
    if (it == impl->tensors.end()) {
      return invalid(dir.string() + ": missing tensor '" + t.name + "' (in none of the " +
                     std::to_string(impl->files.size()) + " .safetensors files)");
    }
    const SafetensorsEntry& e = *it->second.second;
    const std::string file = impl->files[it->second.first].path().string();
    if (!parse_float_dtype(e.dtype)) {
      return invalid(file + ": tensor '" + t.name + "' has dtype " + e.dtype + "; weights must be F32, F16 or BF16");
    }
    if (e.shape != t.shape) {
      return invalid(file + ": tensor '" + t.name + "' has shape " + safetensors_shape_string(e.shape) + " but config.json says " +
                     safetensors_shape_string(t.shape));
    }
  }
  return Checkpoint(std::move(impl));
}

const ModelConfig& Checkpoint::config() const { return impl_->config; }
const std::filesystem::path& Checkpoint::dir() const { return impl_->dir; }
bool Checkpoint::has(const std::string& name) const { return impl_->tensors.count(name) != 0; }

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, where] : impl_->tensors) out.push_back(name);
  return out;
}

Result<std::vector<int64_t>> Checkpoint::shape(const std::string& name) const {
  const auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end()) return invalid(impl_->dir.string() + ": no tensor '" + name + "'");
  return it->second.second->shape;
}

Result<std::string> Checkpoint::dtype(const std::string& name) const {
  const auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end()) return invalid(impl_->dir.string() + ": no tensor '" + name + "'");
  return it->second.second->dtype;
}

std::vector<std::filesystem::path> Checkpoint::files() const {
  std::vector<std::filesystem::path> out;
  for (const SafetensorsFile& f : impl_->files) out.push_back(f.path());
  return out;
}

Result<FloatTensor> Checkpoint::tensor(const std::string& name) const {
  const auto it = impl_->tensors.find(name);
  if (it == impl_->tensors.end()) return invalid(impl_->dir.string() + ": no tensor '" + name + "'");
  return impl_->files[it->second.first].read(name);
}

// SHA-256 over, each framed by its length as a little-endian u64: the bytes of config.json, then for every
// tensor in name order its name, dtype, rank, each dimension (u64), and its data bytes.
Result<std::string> Checkpoint::content_hash() const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return make_error(ErrorCode::IO, "SHA-256 is not available");
  }
  auto u64 = [&](uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    EVP_DigestUpdate(ctx.get(), b, 8);
  };
  auto framed = [&](const void* p, size_t n) {
    u64(n);
    EVP_DigestUpdate(ctx.get(), p, n);
  };
  framed(impl_->config_text.data(), impl_->config_text.size());
  for (const auto& [name, where] : impl_->tensors) {
    const SafetensorsEntry& e = *where.second;
    framed(name.data(), name.size());
    framed(e.dtype.data(), e.dtype.size());
    u64(e.shape.size());
    for (const int64_t d : e.shape) u64(static_cast<uint64_t>(d));
    const SafetensorsFile& file = impl_->files[where.first];
    const std::span<const uint8_t> bytes = file.bytes(e);
    u64(bytes.size());
    // In 64 MB pieces, each released once hashed, so that hashing a 7B model does not hold it all resident.
    constexpr size_t kPiece = size_t{64} << 20;
    for (size_t off = 0; off < bytes.size(); off += kPiece) {
      const size_t n = std::min(kPiece, bytes.size() - off);
      EVP_DigestUpdate(ctx.get(), bytes.data() + off, n);
      file.release(e, off, n);
    }
  }
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) return make_error(ErrorCode::IO, "SHA-256 failed");
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace zklora
