// LoRA adapters in PEFT's layout: DIR/adapter_config.json and DIR/adapter_model.safetensors (float32) with
// tensors base_model.model.model.layers.{i}.{self_attn|mlp}.{q|k|v|o|gate|up|down}_proj.lora_{A|B}.weight,
// A of shape (rank, in_features) and B of shape (out_features, rank). The config records r, lora_alpha,
// target_modules, peft_type "LORA", task_type "CAUSAL_LM", bias "none", and base_model_name_or_path.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "zklora/base/error.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/config.h"

namespace zklora {

// The PEFT tensor name of layer `layer`'s projection p, matrix 'A' or 'B'.
std::string peft_tensor_name(int64_t layer, Projection p, char matrix);

struct FloatAdapter {
  LoraConfig config;
  std::map<std::string, FloatTensor> tensors;  // keyed by peft_tensor_name
};

// Writes DIR/adapter_config.json and DIR/adapter_model.safetensors. Refuses to overwrite existing files unless
// `overwrite`.
Status write_peft_adapter(const std::filesystem::path& dir, const FloatAdapter& adapter, const ModelConfig& model,
                          const std::string& base_model, bool overwrite = false);

// The LoRA configuration of an adapter_config.json's text (`src` names it in errors): r, lora_alpha and
// target_modules, with every other PEFT option at the value this project implements.
Result<LoraConfig> parse_adapter_config(const std::string& text, const std::string& src);

// Reads a PEFT adapter and checks it against the model: every target projection of every layer present with
// the right shapes, no unknown tensors; errors name the file and the tensor.
Result<FloatAdapter> read_peft_adapter(const std::filesystem::path& dir, const ModelConfig& model);

}  // namespace zklora
