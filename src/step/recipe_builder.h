// The recipe's builder (recipe.h), shared by its parts: the embedding, a layer's forward pass and the head
// (recipe.cpp), a layer's and the head's backward pass (recipe_backward.cpp), the update (recipe_update.cpp).
// A layer's forward blocks keep the tensors its backward pass reads (the normalized inputs and 1/rms of every
// RMSNorm, every projection's input and LoRA intermediate, the rotated queries and keys, the probabilities, SiLU's
// sigmoid), so that a forward tensor is claimed by both passes and its claims are combined, never committed twice.
// Shapes: B = batch, S = seq, d = d_model, F = d_ffn, V = vocab, H = n_heads, G = n_kv_heads, hd = head_dim,
// r = LoRA rank.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zklora/ops/attention/attention_ops.h"
#include "zklora/ops/operation.h"
#include "zklora/step/graph.h"
#include "zklora/step/parts.h"
#include "zklora/step/recipe.h"
#include "zklora/step/statement.h"

namespace zklora::recipe {

inline uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

// Adapter entries and the state of the optimizer: the engine's bound |a| < 2^62 (docs/fixed_point.md section 1).
// A product of a 48-bit activation, a 62-bit entry and 2^24 summands stays below 2^134, far below |Fr| / 2.
inline constexpr RangeSpec kAdapterRange{63, true};
// The adapter gradients dA, dB before the mean: sums over every token, which the engine keeps in int64.
inline constexpr RangeSpec kWideGradientRange{63, true};

// y = rmsnorm(x): the output, the normalized input and 1/rms (what its backward pass reads), and the gain.
struct NormTensors {
  size_t y = 0, n = 0, r = 0, gain = 0;
};

// out = x W^T (+ the LoRA branch a = x A^T rescaled, then a B^T scaled): what the backward pass reads.
struct ProjectionTensors {
  Projection pr = Projection::Q;
  uint64_t in = 0, out_dim = 0;
  size_t x = 0, w = 0, out = 0;
  bool adapted = false;
  size_t lora_a = 0, lora_b = 0, a = 0;  // A (r, in), B (out, r), a (B, S, r)
};

struct LayerTensors {
  NormTensors norm1, norm2;
  std::array<ProjectionTensors, 7> proj;  // by Projection
  size_t q_rot = 0, k_rot = 0, v = 0, p = 0;  // rotated queries and keys, values, probabilities
  size_t gate = 0, up = 0, sigma = 0;
  ProjectionTensors& at(Projection pr) { return proj[static_cast<size_t>(pr)]; }
  const ProjectionTensors& at(Projection pr) const { return proj[static_cast<size_t>(pr)]; }
};

// The exact input-gradient products of projections that read one input (base: dout W; lora: da A), summed and
// rounded once (Recipe::sum_gradient, fixed/nn.h's InputGradient).
struct GradientTerms {
  std::vector<size_t> base, lora;
};

class Recipe {
 public:
  explicit Recipe(const StepStatement& s) : s_(s), m_(s.model) {}
  // The part's graph, every operation proven (LINEAR_BACKBONE's transform is recipe.h's build_part_graph).
  StepGraph build(PartId part);

 private:
  const StepStatement& s_;
  const ModelConfig& m_;
  StepGraph g_;
  size_t rope_cos_ = 0, rope_sin_ = 0, mask_ = 0;

  std::vector<uint64_t> rows() const { return {u(s_.batch), u(s_.seq)}; }
  std::vector<uint64_t> act(int64_t width) const { return {u(s_.batch), u(s_.seq), u(width)}; }
  HeadShape heads() const { return {u(s_.batch), u(s_.seq), u(m_.n_heads), u(m_.n_kv_heads), u(m_.head_dim())}; }
  const std::vector<uint64_t>& dims(size_t id) const { return g_.tensors()[id].dims; }
  // The LM head's weight: the embedding's own commitment when the model ties them.
  TensorKey lm_head_key() const;

  size_t add(const std::string& name, size_t a, size_t b, int64_t scale_a = 1);
  size_t rescale(const std::string& name, size_t x, unsigned shift, int64_t multiplier, RangeSpec range);

  // ---- parts ----
  void embedding_part();
  void layer_part(int64_t l);
  void head_part();
  void update_part();

  // ---- forward (recipe.cpp) ----
  size_t linear_layer(const std::string& name, size_t x, size_t w, uint64_t in, uint64_t out, unsigned shift,
                      int64_t multiplier);
  ProjectionTensors projection(int64_t l, Projection pr, size_t x);
  NormTensors rmsnorm(const std::string& name, const TensorKey& gain, size_t x);
  size_t attention(int64_t l, LayerTensors& lt, size_t q, size_t k, size_t v);
  size_t attention_block(int64_t l, size_t h, LayerTensors& lt);
  size_t mlp_block(int64_t l, size_t h, LayerTensors& lt);

  // ---- backward (recipe_backward.cpp) ----
  // dh at the head's input from the loss's gradient dz (B, S, V).
  size_t head_backward(size_t dz, size_t lm_head, const NormTensors& final_norm);
  // The gradient at the layer's input from the gradient dh at its output (0 without input_gradient: a model's first
  // layer); the adapter gradients become the statement outputs ADAPTER_GRAD of the header.
  size_t layer_backward(int64_t l, const LayerTensors& lt, size_t dh, bool input_gradient);
  // The adapter gradients into the header, the input gradient's products into terms (none when null: the first
  // layer's projections of a whole model).
  void projection_backward(int64_t l, const ProjectionTensors& p, size_t dout, GradientTerms* terms);
  // The input gradient (B, S, in) of the projections whose terms these are: one sum, rounded once.
  size_t sum_gradient(const std::string& name, const GradientTerms& terms);
  // (dq, dk, dv) of attention from the gradient of its output.
  std::array<size_t, 3> attention_backward(int64_t l, const LayerTensors& lt, size_t d_o);
};

}  // namespace zklora::recipe
