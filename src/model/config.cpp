// Validation of the model and LoRA configurations and the names of the adaptable projections (config.h).
// Errors use config.json's field names, the ones a user sees in the file.
#include "zklora/model/config.h"

#include <algorithm>
#include <cmath>

namespace zklora {
namespace {

Error invalid(const std::string& what) { return make_error(ErrorCode::INVALID_ARGUMENT, what); }

// Upper bounds that keep every product of sizes (a weight's element count, a sequence's activations) far from
// int64 overflow; the largest LLaMA-family models are well inside them.
constexpr int64_t kMaxDim = int64_t{1} << 20;
constexpr int64_t kMaxVocab = int64_t{1} << 22;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxSeq = int64_t{1} << 24;

Status check_range(const char* json_name, int64_t v, int64_t max) {
  if (v < 1 || v > max) {
    return invalid(std::string(json_name) + " must be in [1, " + std::to_string(max) + "], got " + std::to_string(v));
  }
  return {};
}

}  // namespace

Status ModelConfig::validate() const {
  if (Status s = check_range("vocab_size", vocab_size, kMaxVocab); !s) return s;
  if (Status s = check_range("hidden_size", d_model, kMaxDim); !s) return s;
  if (Status s = check_range("num_hidden_layers", n_layers, kMaxLayers); !s) return s;
  if (Status s = check_range("num_attention_heads", n_heads, kMaxDim); !s) return s;
  if (Status s = check_range("num_key_value_heads", n_kv_heads, kMaxDim); !s) return s;
  if (Status s = check_range("intermediate_size", d_ffn, kMaxDim * 4); !s) return s;
  if (Status s = check_range("max_position_embeddings", max_seq, kMaxSeq); !s) return s;
  if (d_model % n_heads != 0) {
    return invalid("num_attention_heads (" + std::to_string(n_heads) + ") must divide hidden_size (" +
                   std::to_string(d_model) + ")");
  }
  if (n_heads % n_kv_heads != 0) {
    return invalid("num_key_value_heads (" + std::to_string(n_kv_heads) + ") must divide num_attention_heads (" +
                   std::to_string(n_heads) + ")");
  }
  if (head_dim() % 2 != 0) {
    return invalid("the head dimension hidden_size / num_attention_heads = " + std::to_string(head_dim()) +
                   " must be even for RoPE");
  }
  if (!std::isfinite(rope_theta) || rope_theta <= 0.0) {
    return invalid("rope_theta must be a finite positive number, got " + std::to_string(rope_theta));
  }
  if (!std::isfinite(rms_eps) || rms_eps <= 0.0 || rms_eps >= 1.0) {
    return invalid("rms_norm_eps must be in (0, 1), got " + std::to_string(rms_eps));
  }
  const std::pair<const char*, int64_t> ids[] = {
      {"bos_token_id", bos_token_id}, {"eos_token_id", eos_token_id}, {"pad_token_id", pad_token_id}};
  for (const auto& [name, id] : ids) {
    if (id < 0 || id >= vocab_size) {
      return invalid(std::string(name) + " " + std::to_string(id) + " is outside the vocabulary [0, " +
                     std::to_string(vocab_size) + ")");
    }
  }
  return {};
}

const char* projection_module(Projection p) {
  switch (p) {
    case Projection::Q:
      return "q_proj";
    case Projection::K:
      return "k_proj";
    case Projection::V:
      return "v_proj";
    case Projection::O:
      return "o_proj";
    case Projection::GATE:
      return "gate_proj";
    case Projection::UP:
      return "up_proj";
    case Projection::DOWN:
      return "down_proj";
  }
  return "?";
}

const char* projection_block(Projection p) {
  switch (p) {
    case Projection::Q:
    case Projection::K:
    case Projection::V:
    case Projection::O:
      return "self_attn";
    case Projection::GATE:
    case Projection::UP:
    case Projection::DOWN:
      return "mlp";
  }
  return "?";
}

Result<Projection> parse_projection(const std::string& s) {
  for (const Projection p : kAllProjections) {
    const std::string module = projection_module(p);
    if (s == module || s == module.substr(0, module.size() - 5)) return p;
  }
  return invalid("unknown projection '" + s + "' (one of q, k, v, o, gate, up, down, or their _proj names)");
}

Result<std::vector<Projection>> parse_projection_list(const std::string& list) {
  std::vector<Projection> out;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) return invalid("empty projection name in '" + list + "'");
    Result<Projection> p = parse_projection(item);
    if (!p) return p.error();
    out.push_back(*p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    return invalid("a projection is named twice in '" + list + "'");
  }
  return out;
}

std::pair<int64_t, int64_t> projection_shape(const ModelConfig& m, Projection p) {
  switch (p) {
    case Projection::Q:
      return {m.n_heads * m.head_dim(), m.d_model};
    case Projection::K:
    case Projection::V:
      return {m.d_kv(), m.d_model};
    case Projection::O:
      return {m.d_model, m.n_heads * m.head_dim()};
    case Projection::GATE:
    case Projection::UP:
      return {m.d_ffn, m.d_model};
    case Projection::DOWN:
      return {m.d_model, m.d_ffn};
  }
  return {0, 0};
}

Status LoraConfig::validate() const {
  if (rank < 1 || rank > 65536) return invalid("LoRA rank r must be in [1, 65536], got " + std::to_string(rank));
  if (!std::isfinite(alpha) || alpha <= 0.0) {
    return invalid("lora_alpha must be a finite positive number, got " + std::to_string(alpha));
  }
  if (targets.empty()) return invalid("LoRA needs at least one target projection");
  for (size_t i = 1; i < targets.size(); ++i) {
    if (!(targets[i - 1] < targets[i])) return invalid("LoRA target projections must be sorted and distinct");
  }
  for (const Projection p : targets) {
    if (static_cast<uint8_t>(p) > static_cast<uint8_t>(Projection::DOWN)) {
      return invalid("LoRA target " + std::to_string(static_cast<int>(p)) + " is not a projection");
    }
  }
  return {};
}

bool LoraConfig::targets_projection(Projection p) const {
  return std::binary_search(targets.begin(), targets.end(), p);
}

}  // namespace zklora
