// The LLaMA + LoRA model in fixed point: quantized base weights, the adapter, and one training step's forward
// and backward pass (DESIGN.md section 5, docs/fixed_point.md section 5). The pass reads like the paper; every
// operation is one function of zklora/fixed/nn.h, the single definition the proofs follow.
//
// Base weights are frozen: the backward pass computes gradients for the adapter matrices only, but flows through
// every layer so that each adapter is reached. Layers are obtained through ModelWeights::layer(), which either
// holds them in memory or loads and quantizes them from the memory-mapped checkpoint on demand (7B shapes).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "zklora/fixed/nn.h"
#include "zklora/fixed/tables.h"
#include "zklora/fixed/tensor.h"
#include "zklora/model/adapter_io.h"
#include "zklora/model/checkpoint.h"
#include "zklora/model/config.h"

namespace zklora {

struct LayerWeights {
  WTensor attn_norm;                // (d)
  WTensor mlp_norm;                 // (d)
  std::array<WTensor, 7> proj;      // indexed by Projection: (out, in)
  const WTensor& projection(Projection p) const { return proj[static_cast<size_t>(p)]; }
};

class ModelWeights {
 public:
  ModelConfig config;
  WTensor embed;       // (vocab, d)
  WTensor final_norm;  // (d)
  WTensor lm_head;     // (vocab, d); a copy of embed when tied

  // All layers in memory.
  static ModelWeights resident(ModelConfig config, WTensor embed, WTensor final_norm, WTensor lm_head,
                               std::vector<LayerWeights> layers);
  // The same with shared layers (a benchmark gives several layers one set of weights).
  static ModelWeights resident(ModelConfig config, WTensor embed, WTensor final_norm, WTensor lm_head,
                               std::vector<std::shared_ptr<const LayerWeights>> layers);
  // Loads everything from a checkpoint; with `stream_layers`, layers are quantized from the mapping when used.
  static Result<ModelWeights> from_checkpoint(std::shared_ptr<const Checkpoint> checkpoint, bool stream_layers);
  // Whether a model of this configuration should stream its layers: its quantized layers exceed 4 GiB (7B
  // shapes: 26 GB), so they are quantized from the mapping as a pass needs them instead of held in memory.
  static bool should_stream(const ModelConfig& config);

  std::shared_ptr<const LayerWeights> layer(int64_t i) const;

 private:
  std::vector<std::shared_ptr<const LayerWeights>> layers_;
  std::shared_ptr<const Checkpoint> checkpoint_;
};

// Quantizes float weights to the weight scale: round(w 2^weight); OUT_OF_RANGE names the tensor if |w| >= 2^15.
Result<WTensor> quantize_weights(const FloatTensor& t, const std::string& name);
Result<LayerWeights> load_layer_weights(const Checkpoint& checkpoint, int64_t layer);

// The adapter (and, with the same layout, its gradients and optimizer state): per layer and targeted projection
// A (rank, in) and B (out, rank), at the lora scale (gradients at the grad scale).
struct AdapterTensors {
  LoraConfig config;
  int64_t n_layers = 0;
  std::vector<ITensor> a, b;  // index layer * 7 + projection; empty tensors for projections not targeted

  static AdapterTensors zeros_like(const AdapterTensors& other);
  ITensor& a_of(int64_t layer, Projection p) { return a[static_cast<size_t>(layer * 7 + static_cast<int64_t>(p))]; }
  ITensor& b_of(int64_t layer, Projection p) { return b[static_cast<size_t>(layer * 7 + static_cast<int64_t>(p))]; }
  const ITensor& a_of(int64_t layer, Projection p) const {
    return a[static_cast<size_t>(layer * 7 + static_cast<int64_t>(p))];
  }
  const ITensor& b_of(int64_t layer, Projection p) const {
    return b[static_cast<size_t>(layer * 7 + static_cast<int64_t>(p))];
  }
  // Calls f(tensor) for every adapter tensor, A then B, layer by layer, projections in enum order.
  template <class F>
  void for_each(F&& f) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].numel() == 0) continue;
      f(a[i]);
      f(b[i]);
    }
  }
};

// A ~ U(-1/sqrt(in), 1/sqrt(in)) from `seed` (PEFT's default initialization), B = 0.
AdapterTensors init_adapter(const ModelConfig& model, const LoraConfig& lora, uint64_t seed);
Result<AdapterTensors> adapter_from_float(const FloatAdapter& adapter, const ModelConfig& model);
FloatAdapter adapter_to_float(const AdapterTensors& adapter, unsigned frac_bits);

// One batch: `batch` sequences of `seq` tokens, right-padded; targets[t] = the next token, or -1 where there
// is none (the last position, and positions whose next token is padding).
struct Batch {
  int64_t batch = 0;
  int64_t seq = 0;
  std::vector<int32_t> tokens;   // (batch * seq)
  std::vector<int32_t> targets;  // (batch * seq)
};
// The mean loss a report shows for a summed loss over `count` targets: loss_sum / count / 2^act (0 without targets).
double mean_loss(int64_t loss_sum, int64_t count);

// Truncates each sequence to `seq` tokens or pads it with config.pad_token_id.
Batch make_batch(const std::vector<std::vector<int32_t>>& sequences, int64_t seq, const ModelConfig& config);

struct StepResult {
  int64_t loss_sum = 0;       // sum of per-token losses, act scale
  int64_t count = 0;          // number of predicted tokens
  AdapterTensors grads;       // gradients of the summed loss, grad scale
  double loss() const;        // mean_loss(loss_sum, count)
};

// The embedding rows of the ids (T, d_model): weight scale = act scale. ZkError INVALID_ARGUMENT for an id
// outside the vocabulary.
ITensor embedding_rows(const WTensor& embed, std::span<const int32_t> tokens);

// Forward pass, loss and backward pass of one batch.
StepResult forward_backward(const ModelWeights& weights, const AdapterTensors& adapter, const Batch& batch);

// The residual stream at every layer boundary and its gradient: the cuts of a step's proof (step/parts.h).
struct StepStreams {
  std::vector<ITensor> h;   // n_layers + 1: h[l] enters layer l, h[n_layers] the final norm   (T, d), act
  std::vector<ITensor> dh;  // n_layers + 1: the summed loss's gradient at h[l]; dh[0] is never computed
};
// The same pass, the same results, keeping the streams and no layer's activations: each layer's forward pass is
// computed again from h[l] before its backward pass, so memory holds one layer's cache (and each layer's weights
// as ModelWeights::layer gives them) whatever the depth.
StepResult forward_backward(const ModelWeights& weights, const AdapterTensors& adapter, const Batch& batch,
                            StepStreams& streams);

// One decoder layer, for the full pass above and for per-layer benchmarks and proofs.
struct LayerContext {
  const ModelConfig& config;
  int64_t lora_scale;                      // lora_scale_fixed
  const RopeTable& rope;
  const std::vector<int64_t>& positions;   // position of each token row in its sequence
  AttentionShape attention;
};

// What the backward pass needs from one layer's forward pass.
struct LayerCache {
  RmsNormOut norm1;              // attention RMSNorm of the residual stream
  ProjectionOut q, k, v;         // (T, d), (T, d_kv), (T, d_kv) before RoPE
  ITensor q_rot, k_rot;          // after RoPE
  AttentionOut attn;             // probabilities and (T, d) head outputs
  ProjectionOut o;               // (T, d)
  RmsNormOut norm2;              // MLP RMSNorm
  ProjectionOut gate, up;        // (T, d_ffn)
  SwigluOut swiglu;              // (T, d_ffn)
  ProjectionOut down;            // (T, d)
};

// h <- layer(h) (the residual stream, act); returns what the backward pass needs.
LayerCache layer_forward(const LayerContext& ctx, const LayerWeights& w, const AdapterTensors& adapter, int64_t layer,
                         ITensor& h);
// Given dL/d(output) returns dL/d(input) (only if input_gradient; else dh after the MLP block) and stores the
// adapter gradients of this layer in grads.
ITensor layer_backward(const LayerContext& ctx, const LayerWeights& w, const AdapterTensors& adapter, int64_t layer,
                       const LayerCache& cache, ITensor dh, AdapterTensors& grads, bool input_gradient);

// The LoRA scale alpha / rank as an integer over 2^unit.
int64_t lora_scale_fixed(const LoraConfig& lora);

}  // namespace zklora
