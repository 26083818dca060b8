// Hugging Face LLaMA checkpoints: config.json plus one or several *.safetensors files (F32, F16, BF16),
// memory-mapped so that a 7B-shaped model is read tensor by tensor, never all at once.
//
// Tensor names are those of LlamaForCausalLM: model.embed_tokens.weight, model.layers.{i}.input_layernorm.weight,
// model.layers.{i}.self_attn.{q,k,v,o}_proj.weight, model.layers.{i}.post_attention_layernorm.weight,
// model.layers.{i}.mlp.{gate,up,down}_proj.weight, model.norm.weight, lm_head.weight (absent when tied).
// Shapes are PyTorch's: a projection weight is (out_features, in_features).
//
// Every problem is an error naming the file and the tensor: a bad or truncated header, a tensor whose data lies
// outside its file, an unknown dtype, a missing tensor, a shape that disagrees with config.json (IO for files that
// cannot be read, INVALID_ARGUMENT for malformed content).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zklora/base/error.h"
#include "zklora/model/config.h"

namespace zklora {

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major
  int64_t numel() const {
    int64_t n = 1;
    for (const int64_t d : shape) n *= d;
    return n;
  }
};

// Parses a Hugging Face config.json (LlamaConfig fields; unknown fields ignored; validated).
Result<ModelConfig> read_model_config(const std::filesystem::path& config_json);
// Writes config.json with model_type "llama" and architectures ["LlamaForCausalLM"].
Status write_model_config(const ModelConfig& config, const std::filesystem::path& config_json);
// The same with "torch_dtype" ("float32", "float16" or "bfloat16"), the dtype the weights are stored in, and
// "initializer_range", the standard deviation the weights were drawn with (transformers' default 0.02).
Status write_model_config(const ModelConfig& config, const std::filesystem::path& config_json,
                          const std::string& torch_dtype, double initializer_range = 0.02);
// read_model_config on the text of a config.json; `source` names it in errors.
Result<ModelConfig> parse_model_config(const std::string& json_text, const std::string& source);

// One weight of LlamaForCausalLM: its name, its shape, and whether it is an RMSNorm weight.
struct LlamaTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool is_norm = false;
};
// Every weight the model needs, in Hugging Face's state_dict order: embed_tokens, then per layer the
// q, k, v, o, gate, up, down projections and the two norms, then the final norm and lm_head (unless tied).
std::vector<LlamaTensor> llama_tensors(const ModelConfig& m);
// "model.layers.{layer}.{self_attn|mlp}.{q|k|v|o|gate|up|down}_proj.weight".
std::string llama_projection_name(int64_t layer, Projection p);
// The number of parameters of the model (the sum of the element counts of llama_tensors).
int64_t llama_parameter_count(const ModelConfig& m);

class Checkpoint {
 public:
  // Opens DIR/config.json and every DIR/*.safetensors; validates every header and the presence and shape of
  // every tensor the config requires.
  static Result<Checkpoint> open(const std::filesystem::path& dir);

  const ModelConfig& config() const;
  const std::filesystem::path& dir() const;
  bool has(const std::string& name) const;
  // Every tensor in the checkpoint's files (also those the model does not use), sorted.
  std::vector<std::string> names() const;
  // The tensor's shape and dtype as stored ("F32", "F16", "BF16", or another safetensors dtype).
  Result<std::vector<int64_t>> shape(const std::string& name) const;
  Result<std::string> dtype(const std::string& name) const;
  // The .safetensors files, sorted by name.
  std::vector<std::filesystem::path> files() const;
  // The tensor converted to float32. Reads only this tensor's bytes from the mapping.
  Result<FloatTensor> tensor(const std::string& name) const;
  // A fingerprint of the checkpoint's contents: SHA-256 over config.json and every tensor's name, dtype, shape
  // and bytes, in name order (hex). Used to tell whether a commitment was made for this model.
  Result<std::string> content_hash() const;

  Checkpoint(Checkpoint&&) noexcept;
  Checkpoint& operator=(Checkpoint&&) noexcept;
  ~Checkpoint();

 private:
  struct Impl;
  explicit Checkpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes tensors to one .safetensors file (dtype F32, or BF16 / F16 when asked), names sorted, with an optional
// __metadata__ map. Refuses to overwrite an existing file unless `overwrite`.
enum class SafetensorsDtype { F32, F16, BF16 };
Status write_safetensors(const std::filesystem::path& file, const std::map<std::string, FloatTensor>& tensors,
                         SafetensorsDtype dtype = SafetensorsDtype::F32,
                         const std::map<std::string, std::string>& metadata = {}, bool overwrite = false);

}  // namespace zklora
