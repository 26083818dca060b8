// The graph of a step, block by block (recipe.h). Shapes: B = batch, S = seq, d = d_model, F = d_ffn, V = vocab,
// H = n_heads, G = n_kv_heads, hd = head_dim, r = LoRA rank.
#include "zklora/step/recipe.h"

#include <memory>
#include <optional>
#include <string>

#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/attention/attention_ops.h"
#include "zklora/ops/cross_entropy/cross_entropy_op.h"
#include "zklora/ops/embedding/embedding_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "zklora/ops/rmsnorm/rmsnorm_op.h"
#include "zklora/ops/rope/rope_op.h"
#include "zklora/ops/softmax/softmax_op.h"
#include "zklora/ops/swiglu/swiglu_op.h"

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
    if (!linear()) {
      rope_cos_ = g_.add_public_tensor("rope.cos", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, false));
      rope_sin_ = g_.add_public_tensor("rope.sin", std::make_shared<RopeTableTensor>(s_.seq, m_.head_dim(), m_.rope_theta, true));
      mask_ = g_.add_public_tensor("attention.causal_mask",
                                   std::make_shared<CausalMaskTensor>(u(s_.batch), u(m_.n_heads), u(s_.seq)));
    }
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
  size_t one_hot_ = 0, rope_cos_ = 0, rope_sin_ = 0, mask_ = 0;

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
    const std::vector<size_t> out =
        g_.apply(std::make_unique<EmbeddingOp>(rows(), u(m_.vocab_size), u(m_.d_model)), {e, tok}, "embedding");
    one_hot_ = out[1];  // (B, S, V)
    return out[0];
  }

  // y = rmsnorm(x) with the gain `gain` (d): outputs y, the normalized input and 1/rms.  (B, S, d)
  size_t rmsnorm(const std::string& name, const std::string& gain, size_t x) {
    const size_t g = g_.add_statement_tensor(gain, {u(m_.d_model)});
    return g_.apply(std::make_unique<RmsNormOp>(act(m_.d_model), m_.rms_eps), {x, g}, name)[0];
  }

  HeadShape heads() const {
    return {u(s_.batch), u(s_.seq), u(m_.n_heads), u(m_.n_kv_heads), u(m_.head_dim())};
  }

  // o = round_shift(softmax(causal(rope(q) rope(k)^T / sqrt(hd))) v, 16)                          (B, S, H hd)
  size_t attention(int64_t l, size_t q, size_t k, size_t v) {
    const uint64_t hd = u(m_.head_dim());
    const size_t qr = g_.apply1(std::make_unique<RopeOp>(u(s_.batch), u(s_.seq), u(m_.n_heads), hd),
                                {q, rope_cos_, rope_sin_}, layer_tensor(l, "q_rope"));  // (B, S, H hd)
    const size_t kr = g_.apply1(std::make_unique<RopeOp>(u(s_.batch), u(s_.seq), u(m_.n_kv_heads), hd),
                                {k, rope_cos_, rope_sin_}, layer_tensor(l, "k_rope"));  // (B, S, G hd)
    const size_t a = g_.apply1(std::make_unique<AttentionScoresOp>(heads()), {qr, kr},
                               layer_tensor(l, "attn.scores"));  // (B, H, S, S)
    const size_t p = g_.apply1(std::make_unique<CausalSoftmaxOp>(u(s_.batch), u(m_.n_heads), u(s_.seq),
                                                                 inv_sqrt_head_dim(m_.head_dim())),
                               {a, mask_}, layer_tensor(l, "attn.softmax"));  // (B, H, S, S)
    const size_t o = g_.apply1(std::make_unique<AttentionContextOp>(heads()), {p, v},
                               layer_tensor(l, "attn.context"));  // (B, S, H hd), exact
    return g_.apply1(std::make_unique<RescaleOp>(act(m_.d_model), kFixed.prob, 1), {o},
                     layer_tensor(l, "attn.out"));  // (B, S, H hd)
  }

  // h + o_proj(attention(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))),  n1 = rmsnorm(h)
  size_t attention_block(int64_t l, size_t h) {
    if (linear()) read_by_unproven(h);
    const std::string norm = layer_tensor(l, "attn_norm.out");
    const size_t n1 = linear() ? unproven(norm, act(m_.d_model))
                               : rmsnorm(norm, layer_tensor(l, "attn_norm"), h);  // (B, S, d)
    const size_t q = projection(l, Projection::Q, n1);                             // (B, S, H hd)
    const size_t k = projection(l, Projection::K, n1);                             // (B, S, G hd)
    const size_t v = projection(l, Projection::V, n1);                             // (B, S, G hd)
    size_t o;
    if (linear()) {
      for (const size_t x : {q, k, v}) read_by_unproven(x);
      o = unproven(layer_tensor(l, "attn.out"), act(m_.d_model));  // (B, S, H hd)
    } else {
      o = attention(l, q, k, v);
    }
    return add(layer_tensor(l, "residual.attn"), h, projection(l, Projection::O, o));  // (B, S, d)
  }

  // h + down_proj(swiglu(gate_proj(n2), up_proj(n2))),  n2 = rmsnorm(h)
  size_t mlp_block(int64_t l, size_t h) {
    if (linear()) read_by_unproven(h);
    const std::string norm = layer_tensor(l, "mlp_norm.out");
    const size_t n2 = linear() ? unproven(norm, act(m_.d_model))
                               : rmsnorm(norm, layer_tensor(l, "mlp_norm"), h);  // (B, S, d)
    const size_t gate = projection(l, Projection::GATE, n2);                      // (B, S, F)
    const size_t up = projection(l, Projection::UP, n2);                          // (B, S, F)
    size_t sw;
    if (linear()) {
      read_by_unproven(gate);
      read_by_unproven(up);
      sw = unproven(layer_tensor(l, "swiglu.out"), act(m_.d_ffn));  // (B, S, F)
    } else {
      sw = g_.apply(std::make_unique<SwigluOp>(act(m_.d_ffn)), {gate, up}, layer_tensor(l, "swiglu.out"))[0];
    }
    return add(layer_tensor(l, "residual.mlp"), h, projection(l, Projection::DOWN, sw));  // (B, S, d)
  }

  // logits = rmsnorm(h) W_lm^T;  loss = sum over targets of cross_entropy(logits, next token)
  void head_and_loss(size_t h) {
    if (linear()) read_by_unproven(h);
    const size_t y = linear() ? unproven("final_norm.out", act(m_.d_model))
                              : rmsnorm("final_norm.out", "final_norm", h);  // (B, S, d)
    const size_t lm = g_.add_statement_tensor("lm_head", {u(m_.vocab_size), u(m_.d_model)});
    const size_t logits = linear_layer("logits", y, lm, u(m_.d_model), u(m_.vocab_size), kFixed.weight, 1);  // (B, S, V)
    if (linear()) {
      read_by_unproven(logits);
      return;
    }
    const size_t mask = g_.add_statement_tensor("batch.mask", rows(), true);  // (B, S)
    const size_t loss = g_.apply1(std::make_unique<CrossEntropyOp>(u(s_.batch), u(s_.seq), u(m_.vocab_size)),
                                  {logits, one_hot_, mask}, "loss");  // (1)
    g_.mark_public_output(loss);
  }
};

}  // namespace

std::string layer_tensor(int64_t layer, const std::string& what) {
  return "layers." + std::to_string(layer) + "." + what;
}

Result<StepGraph> build_step_graph(const StepStatement& s) {
  if (Status st = s.validate(); !st) return st.error();
  try {
    return Recipe(s).build();
  } catch (const ZkError& e) {
    return e.error();
  }
}

}  // namespace zklora
