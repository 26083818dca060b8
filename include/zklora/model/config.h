// Public configuration of a fine-tuning step (DESIGN.md section 1): the LLaMA model shape, the LoRA adapter,
// and the training options. All of it is part of the public statement of a proof.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zklora/base/error.h"

namespace zklora {

// Hugging Face LlamaConfig fields that determine the computation (config.json names in comments).
struct ModelConfig {
  int64_t vocab_size = 0;           // vocab_size
  int64_t d_model = 0;              // hidden_size
  int64_t n_layers = 0;             // num_hidden_layers
  int64_t n_heads = 0;              // num_attention_heads
  int64_t n_kv_heads = 0;           // num_key_value_heads (defaults to n_heads)
  int64_t d_ffn = 0;                // intermediate_size
  int64_t max_seq = 0;              // max_position_embeddings
  double rope_theta = 10000.0;      // rope_theta
  double rms_eps = 1e-6;            // rms_norm_eps
  bool tie_embeddings = false;      // tie_word_embeddings
  int64_t bos_token_id = 1;         // bos_token_id
  int64_t eos_token_id = 2;         // eos_token_id
  int64_t pad_token_id = 0;         // pad_token_id (0 when absent)

  int64_t head_dim() const { return d_model / n_heads; }
  int64_t d_kv() const { return head_dim() * n_kv_heads; }
  // Checks every field for consistency (positive sizes, heads dividing d_model, kv heads dividing heads,
  // even head_dim for RoPE, finite positive rope_theta and rms_eps); INVALID_ARGUMENT names the field.
  Status validate() const;
};

// The projections LoRA can adapt, in Hugging Face module names.
enum class Projection : uint8_t { Q, K, V, O, GATE, UP, DOWN };
inline constexpr Projection kAllProjections[] = {Projection::Q,    Projection::K,  Projection::V,   Projection::O,
                                                 Projection::GATE, Projection::UP, Projection::DOWN};

// "q_proj", "k_proj", ..., "down_proj".
const char* projection_module(Projection p);
// "self_attn" or "mlp".
const char* projection_block(Projection p);
// Parses "q", "k", "v", "o", "gate", "up", "down" (also the "_proj" forms).
Result<Projection> parse_projection(const std::string& s);
// Parses a comma-separated list such as "q,v" into sorted projections; an empty item or a repeat is an error.
Result<std::vector<Projection>> parse_projection_list(const std::string& list);
// (out, in) shape of the base weight of p in a model of shape m.
std::pair<int64_t, int64_t> projection_shape(const ModelConfig& m, Projection p);

struct LoraConfig {
  int64_t rank = 8;
  double alpha = 16.0;
  std::vector<Projection> targets = {Projection::Q, Projection::V};  // sorted, unique
  Status validate() const;
  bool targets_projection(Projection p) const;
};

}  // namespace zklora
