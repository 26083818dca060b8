// The graph of a step, block by block (recipe.h). Shapes: B = batch, S = seq, d = d_model, F = d_ffn, V = vocab,
// H = n_heads, G = n_kv_heads, hd = head_dim, r = LoRA rank.
#include "zklora/step/recipe.h"

#include <memory>
#include <optional>
#include <string>

#include "zklora/fixed/format.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/rescale/rescale_op.h"

namespace zklora {
namespace {

uint64_t u(int64_t x) { return static_cast<uint64_t>(x); }

// Adapter entries: the engine's bound |a| < 2^62 (docs/fixed_point.md section 1). A product of a 48-bit
// activation, a 62-bit entry and 2^24 summands stays below 2^134, far below |Fr| / 2.
constexpr RangeSpec kAdapterRange{63, true};

class Recipe {
 public:
  explicit Recipe(const StepStatement& s) : s_(s), m_(s.model) {}

  StepGraph build() {
    size_t h = s_.layers_only ? unproven("layers.0.input", act(m_.d_model)) : embedding();
    for (int64_t l = 0; l < m_.n_layers; ++l) {
      h = attention_block(l, h);
      h = mlp_block(l, h);
    }
    if (s_.layers_only) {
      g_.mark_cut(h);
    } else {
      head_and_loss(h);
    }
    return std::move(g_);
  }

 private:
  const StepStatement& s_;
  const ModelConfig& m_;
  StepGraph g_;

  bool linear() const { return s_.mode == StepMode::LINEAR_BACKBONE; }
  std::vector<uint64_t> rows() const { return {u(s_.batch), u(s_.seq)}; }
  std::vector<uint64_t> act(int64_t width) const { return {u(s_.batch), u(s_.seq), u(width)}; }

  // The output of an operation this proof leaves open: committed, range checked like an activation.
  size_t unproven(const std::string& name, std::vector<uint64_t> dims) {
    return g_.add_proof_tensor(name, std::move(dims), kActivationRange);
  }
  // A tensor an unproven operation reads: committed and tied to what the proven operations compute.
  void read_by_unproven(size_t id) {
    if (g_.tensors()[id].producer >= 0 && !g_.tensors()[id].cut) g_.mark_cut(id);
  }

  // y = round_shift(m (x W^T), shift): the exact product and its rescaling (remainder committed, y range checked).
  size_t linear_layer(const std::string& name, size_t x, size_t w, uint64_t in, uint64_t out, unsigned shift,
                      int64_t multiplier) {
    std::vector<uint64_t> rows = g_.tensors()[x].dims;
    rows.pop_back();
    const size_t p = g_.apply1(MatmulOp::linear(rows, in, out), {x, w}, name + ".product");
    return g_.apply1(std::make_unique<RescaleOp>(g_.tensors()[p].dims, shift, multiplier), {p}, name);
  }

  // out = round_shift(x W^T, 16) + round_shift((round_shift(x A^T, 24) B^T) S, 40)  (fixed_point.md section 4).
  size_t projection(int64_t l, Projection pr, size_t x) {
    const auto [out_dim, in_dim] = projection_shape(m_, pr);
    const std::string name = layer_tensor(l, projection_module(pr));
    const size_t w = g_.add_statement_tensor(name, {u(out_dim), u(in_dim)});
    const size_t z = linear_layer(name + ".base", x, w, u(in_dim), u(out_dim), kFixed.weight, 1);  // (B, S, out)
    if (!s_.lora.targets_projection(pr)) return z;
    const std::string an = "adapter." + std::to_string(l) + "." + projection_module(pr);
    const uint64_t r = u(s_.lora.rank);
    const size_t a_w = g_.add_statement_tensor(an + ".A", {r, u(in_dim)}, true, kAdapterRange);
    const size_t b_w = g_.add_statement_tensor(an + ".B", {u(out_dim), r}, true, kAdapterRange);
    const size_t a = linear_layer(name + ".lora_a", x, a_w, u(in_dim), r, kFixed.lora, 1);  // (B, S, r)
    const size_t lora = linear_layer(name + ".lora", a, b_w, r, u(out_dim), kFixed.lora + kFixed.unit,
                                     lora_scale_fixed(s_.lora));  // (B, S, out)
    return add(name + ".out", z, lora);
  }

  size_t add(const std::string& name, size_t a, size_t b) {
    return g_.apply1(std::make_unique<AddOp>(g_.tensors()[a].dims), {a, b}, name);
  }

  // h = E[tok]                                                                            (B, S, d)
  size_t embedding() {
    const size_t e = g_.add_statement_tensor("embed", {u(m_.vocab_size), u(m_.d_model)});
    const size_t tok = g_.add_statement_tensor("batch.tokens", rows(), true);
    return g_.apply(std::make_unique<EmbeddingOp>(rows(), u(m_.vocab_size), u(m_.d_model)), {e, tok}, "embedding")[0];
  }

  // h + o_proj(attention(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(h)
  size_t attention_block(int64_t l, size_t h) {
    read_by_unproven(h);
    const size_t n1 = unproven(layer_tensor(l, "attn_norm.out"), act(m_.d_model));  // (B, S, d)
    const size_t q = projection(l, Projection::Q, n1);                                 // (B, S, H hd)
    const size_t k = projection(l, Projection::K, n1);                                 // (B, S, G hd)
    const size_t v = projection(l, Projection::V, n1);                                 // (B, S, G hd)
    for (const size_t x : {q, k, v}) read_by_unproven(x);
    const size_t o = unproven(layer_tensor(l, "attn.out"), act(m_.d_model));         // (B, S, H hd)
    return add(layer_tensor(l, "residual.attn"), h, projection(l, Projection::O, o));  // (B, S, d)
  }

  // h + down_proj(swiglu(gate_proj(n2), up_proj(n2))),  n2 = rmsnorm(h)
  size_t mlp_block(int64_t l, size_t h) {
    read_by_unproven(h);
    const size_t n2 = unproven(layer_tensor(l, "mlp_norm.out"), act(m_.d_model));  // (B, S, d)
    const size_t gate = projection(l, Projection::GATE, n2);                        // (B, S, F)
    const size_t up = projection(l, Projection::UP, n2);                            // (B, S, F)
    read_by_unproven(gate);
    read_by_unproven(up);
    const size_t sw = unproven(layer_tensor(l, "swiglu.out"), act(m_.d_ffn));       // (B, S, F)
    return add(layer_tensor(l, "residual.mlp"), h, projection(l, Projection::DOWN, sw));  // (B, S, d)
  }

  // logits = rmsnorm(h) W_lm^T;  loss = sum over targets of cross_entropy(logits, next token)
  void head_and_loss(size_t h) {
    read_by_unproven(h);
    const size_t y = unproven("final_norm.out", act(m_.d_model));  // (B, S, d)
    const size_t lm = g_.add_statement_tensor("lm_head", {u(m_.vocab_size), u(m_.d_model)});
    const size_t logits = linear_layer("logits", y, lm, u(m_.d_model), u(m_.vocab_size), kFixed.weight, 1);
    read_by_unproven(logits);  // (B, S, V)
  }
};

}  // namespace

std::string layer_tensor(int64_t layer, const std::string& what) {
  return "layers." + std::to_string(layer) + "." + what;
}

Result<StepGraph> build_step_graph(const StepStatement& s) {
  if (Status st = s.validate(); !st) return st.error();
  if (s.mode == StepMode::FORWARD) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "statement: the forward mode is not available in this build");
  }
  try {
    return Recipe(s).build();
  } catch (const ZkError& e) {
    return e.error();
  }
}

}  // namespace zklora
