// PEFT LoRA adapters on disk (adapter_io.h): adapter_config.json as PEFT's LoraConfig writes it, and the float32
// weights in adapter_model.safetensors. Reading accepts only what this project's LoRA computes, y = W x +
// (alpha / r) B A x on whole projections, and rejects configurations that would change that meaning (rsLoRA or
// DoRA scaling, per-module ranks, biases, layer subsets) rather than silently ignoring them.
#include "zklora/model/adapter_io.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "zklora/base/files.h"
#include "zklora/model/safetensors.h"

namespace zklora {
namespace {

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";

Error invalid(const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); }

// The expected adapter tensors and their shapes, by name.
std::map<std::string, std::vector<int64_t>> expected_tensors(const LoraConfig& lora, const ModelConfig& model) {
  std::map<std::string, std::vector<int64_t>> out;
  for (int64_t l = 0; l < model.n_layers; ++l) {
    for (const Projection p : lora.targets) {
      const auto [rows, cols] = projection_shape(model, p);
      out[peft_tensor_name(l, p, 'A')] = {lora.rank, cols};
      out[peft_tensor_name(l, p, 'B')] = {rows, lora.rank};
    }
  }
  return out;
}

// Checks that an optional PEFT field is absent, null, or holds the value this project's LoRA means (for a null
// default, an empty list or map means the same).
Status expect_default(const nlohmann::json& j, const char* key, const nlohmann::json& allowed, const std::string& src,
                      const char* why) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null() || *it == allowed) return {};
  if (allowed.is_null() && (it->is_array() || it->is_object()) && it->empty()) return {};
  return invalid(src + ": \"" + key + "\" is " + it->dump() + "; only " + allowed.dump() + " is supported (" + why +
                 ")");
}

}  // namespace

Result<LoraConfig> parse_adapter_config(const std::string& text, const std::string& src) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return invalid(src + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return invalid(src + ": not a JSON object");
  const auto peft_type = j.find("peft_type");
  if (peft_type == j.end() || *peft_type != "LORA") {
    return invalid(src + ": \"peft_type\" must be \"LORA\"" +
                   (peft_type == j.end() ? std::string(" (it is missing)") : ", got " + peft_type->dump()));
  }
  if (const auto t = j.find("task_type"); t != j.end() && !t->is_null() && *t != "CAUSAL_LM") {
    return invalid(src + ": \"task_type\" is " + t->dump() + "; only \"CAUSAL_LM\" is supported");
  }
  const std::pair<const char*, std::pair<nlohmann::json, const char*>> defaults[] = {
      {"bias", {"none", "LLaMA projections have no bias"}},
      {"fan_in_fan_out", {false, "weights are stored (out, in)"}},
      {"use_rslora", {false, "the scale is alpha / r"}},
      {"use_dora", {false, "plain LoRA only"}},
      {"rank_pattern", {nlohmann::json::object(), "one rank for every module"}},
      {"alpha_pattern", {nlohmann::json::object(), "one alpha for every module"}},
      {"layers_to_transform", {nullptr, "every layer is adapted"}},
      {"modules_to_save", {nullptr, "only LoRA matrices are trained"}},
  };
  for (const auto& [key, rule] : defaults) {
    if (Status s = expect_default(j, key, rule.first, src, rule.second); !s) return s.error();
  }

  LoraConfig c;
  const auto r = j.find("r");
  if (r == j.end() || !r->is_number_integer()) return invalid(src + ": \"r\" must be an integer");
  c.rank = r->get<int64_t>();
  const auto alpha = j.find("lora_alpha");
  if (alpha == j.end() || !alpha->is_number()) return invalid(src + ": \"lora_alpha\" must be a number");
  c.alpha = alpha->get<double>();
  const auto targets = j.find("target_modules");
  if (targets == j.end() || !targets->is_array()) {
    return invalid(src + ": \"target_modules\" must be a list of projection names such as [\"q_proj\", \"v_proj\"]");
  }
  c.targets.clear();
  for (const auto& t : *targets) {
    if (!t.is_string()) return invalid(src + ": \"target_modules\" entries must be strings");
    Result<Projection> p = parse_projection(t.get<std::string>());
    if (!p) return invalid(src + ": target_modules: " + p.error().message);
    c.targets.push_back(*p);
  }
  std::sort(c.targets.begin(), c.targets.end());
  if (std::adjacent_find(c.targets.begin(), c.targets.end()) != c.targets.end()) {
    return invalid(src + ": \"target_modules\" names a projection twice");
  }
  if (Status s = c.validate(); !s) return invalid(src + ": " + s.error().message);
  return c;
}

namespace {

Status write_text_file(const std::filesystem::path& file, const std::string& text, bool overwrite) {
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(file, ec)) {
    return make_error(ErrorCode::IO, file.string() + ": already exists (refusing to overwrite it)");
  }
  return write_file_atomically(file, text);
}

}  // namespace

std::string peft_tensor_name(int64_t layer, Projection p, char matrix) {
  return "base_model.model.model.layers." + std::to_string(layer) + "." + projection_block(p) + "." +
         projection_module(p) + ".lora_" + std::string(1, matrix) + ".weight";
}

Status write_peft_adapter(const std::filesystem::path& dir, const FloatAdapter& adapter, const ModelConfig& model,
                          const std::string& base_model, bool overwrite) {
  if (Status s = adapter.config.validate(); !s) return s;
  if (Status s = model.validate(); !s) return s;
  const auto expected = expected_tensors(adapter.config, model);
  for (const auto& [name, shape] : expected) {
    const auto it = adapter.tensors.find(name);
    if (it == adapter.tensors.end()) return invalid("adapter to write lacks tensor '" + name + "'");
    if (it->second.shape != shape || static_cast<int64_t>(it->second.data.size()) != it->second.numel()) {
      return invalid("adapter tensor '" + name + "' has shape " + safetensors_shape_string(it->second.shape) + " and " +
                     std::to_string(it->second.data.size()) + " values; expected shape " + safetensors_shape_string(shape));
    }
  }
  for (const auto& [name, t] : adapter.tensors) {
    if (!expected.count(name)) return invalid("adapter to write has unexpected tensor '" + name + "'");
  }

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(ErrorCode::IO, dir.string() + ": cannot create directory: " + ec.message());
  if (!overwrite) {
    for (const char* f : {kConfigFile, kWeightsFile}) {
      if (std::filesystem::exists(dir / f, ec)) {
        return make_error(ErrorCode::IO, (dir / f).string() + ": already exists (refusing to overwrite it)");
      }
    }
  }

  std::vector<std::string> modules;
  for (const Projection p : adapter.config.targets) modules.push_back(projection_module(p));
  // Integral alphas are written as integers, as PEFT users write them.
  const double a = adapter.config.alpha;
  const nlohmann::json alpha =
      (std::floor(a) == a && std::fabs(a) < 1e15) ? nlohmann::json(static_cast<int64_t>(a)) : nlohmann::json(a);
  const nlohmann::json config = {
      {"base_model_name_or_path", base_model},
      {"bias", "none"},
      {"fan_in_fan_out", false},
      {"inference_mode", true},
      {"init_lora_weights", true},
      {"layers_pattern", nullptr},
      {"layers_to_transform", nullptr},
      {"lora_alpha", alpha},
      {"lora_dropout", 0.0},
      {"modules_to_save", nullptr},
      {"peft_type", "LORA"},
      {"r", adapter.config.rank},
      {"revision", nullptr},
      {"target_modules", modules},
      {"task_type", "CAUSAL_LM"},
  };
  if (Status s =
          write_safetensors(dir / kWeightsFile, adapter.tensors, SafetensorsDtype::F32, {{"format", "pt"}}, overwrite);
      !s) {
    return s;
  }
  return write_text_file(dir / kConfigFile, config.dump(2) + "\n", overwrite);
}

Result<FloatAdapter> read_peft_adapter(const std::filesystem::path& dir, const ModelConfig& model) {
  const std::filesystem::path config_path = dir / kConfigFile;
  std::ifstream in(config_path, std::ios::binary);
  if (!in) return make_error(ErrorCode::IO, config_path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  Result<LoraConfig> config = parse_adapter_config(text.str(), config_path.string());
  if (!config) return config.error();

  const std::filesystem::path weights_path = dir / kWeightsFile;
  std::error_code ec;
  if (!std::filesystem::exists(weights_path, ec) && std::filesystem::exists(dir / "adapter_model.bin", ec)) {
    return make_error(ErrorCode::IO, weights_path.string() +
                                         ": missing (adapter_model.bin is pickled PyTorch, which is not read; "
                                         "save the adapter with safe_serialization=True)");
  }
  Result<SafetensorsFile> file = SafetensorsFile::open(weights_path);
  if (!file) return file.error();
  const std::string fname = weights_path.string();

  FloatAdapter out;
  out.config = *config;
  const auto expected = expected_tensors(out.config, model);
  for (const SafetensorsEntry& e : file->header().entries) {
    if (!expected.count(e.name)) {
      return invalid(fname + ": unexpected tensor '" + e.name + "' (not a LoRA matrix of the target_modules of " +
                     "this " + std::to_string(model.n_layers) + "-layer model)");
    }
  }
  for (const auto& [name, shape] : expected) {
    const SafetensorsEntry* e = file->find(name);
    if (!e) return invalid(fname + ": missing tensor '" + name + "'");
    if (e->shape != shape) {
      return invalid(fname + ": tensor '" + name + "' has shape " + safetensors_shape_string(e->shape) + ", expected " +
                     safetensors_shape_string(shape) + " (r = " + std::to_string(out.config.rank) + ")");
    }
    Result<FloatTensor> t = file->read(name);
    if (!t) return t.error();
    out.tensors.emplace(name, std::move(t).value());
  }
  return out;
}

}  // namespace zklora
