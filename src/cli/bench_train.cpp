// `zklora bench train`: the unproven training step, the denominator of every proving-overhead ratio.
//   tiny_step_s: one step (forward, loss, backward, AdamW) of the tiny model, 16 sequences of 64 tokens;
//   llama7b_layer_seq128_step_s: forward, backward and AdamW update of one llama-2-7b-shaped decoder layer on
//   128 tokens with the adapter on q and v (no embedding or LM head).
// Weights are random integers of the magnitude of a 0.02-normal initialization, generated in memory.
#include <vector>

#include "bench_model.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/fixed/format.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/init_model.h"
#include "zklora/model/llama.h"
#include "zklora/model/optimizer.h"

namespace zklora {
namespace {

// Uniform integers in [-2^11, 2^11] at the weight scale (about +-0.03), norms 1.
constexpr int32_t kLo = -2048, kHi = 2049;

double tiny_step_seconds() {
  const ModelConfig cfg = tiny_model_config();
  SplitMix64 rng(1);
  std::vector<LayerWeights> layers;
  for (int64_t l = 0; l < cfg.n_layers; ++l) layers.push_back(bench_random_layer(cfg, rng, kLo, kHi));
  WTensor embed = bench_uniform_weights({cfg.vocab_size, cfg.d_model}, rng, kLo, kHi);
  WTensor lm_head = bench_uniform_weights({cfg.vocab_size, cfg.d_model}, rng, kLo, kHi);
  const ModelWeights weights = ModelWeights::resident(cfg, std::move(embed), bench_ones(cfg.d_model), std::move(lm_head),
                                                      std::move(layers));
  AdapterTensors adapter = init_adapter(cfg, LoraConfig{}, 2);
  bench_randomize_b(adapter, rng);
  std::vector<std::vector<int32_t>> seqs(16, std::vector<int32_t>(64));
  for (auto& s : seqs)
    for (int32_t& t : s) t = static_cast<int32_t>(4 + rng.below(static_cast<uint64_t>(cfg.vocab_size - 4)));
  const Batch batch = make_batch(seqs, 64, cfg);
  const OptimizerConfig opt;
  OptimizerState state = OptimizerState::zeros_for(adapter, opt);
  Stopwatch sw;
  const StepResult r = forward_backward(weights, adapter, batch);
  optimizer_step(opt, adapter, state, r.grads, r.count);
  return sw.seconds();
}

double llama7b_layer_seconds() {
  ModelConfig cfg = model_shape("llama-2-7b").value();
  cfg.n_layers = 1;
  SplitMix64 rng(3);
  const LayerWeights w = bench_random_layer(cfg, rng, kLo, kHi);
  AdapterTensors adapter = init_adapter(cfg, LoraConfig{}, 4);
  bench_randomize_b(adapter, rng);
  const int64_t seq = 128;
  const RopeTable rope = make_rope_table(seq, cfg.head_dim(), cfg.rope_theta);
  std::vector<int64_t> positions(static_cast<size_t>(seq));
  for (int64_t t = 0; t < seq; ++t) positions[static_cast<size_t>(t)] = t;
  const LayerContext ctx{cfg, lora_scale_fixed(adapter.config), rope, positions,
                         AttentionShape{1, seq, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim()}};
  ITensor h({seq, cfg.d_model}), dh({seq, cfg.d_model});
  for (int64_t& v : h.data) v = static_cast<int64_t>(rng.below(1 << 17)) - (1 << 16);
  for (int64_t& v : dh.data) v = static_cast<int64_t>(rng.below(1 << 21)) - (1 << 20);
  AdapterTensors grads = AdapterTensors::zeros_like(adapter);
  const OptimizerConfig opt;
  OptimizerState state = OptimizerState::zeros_for(adapter, opt);
  Stopwatch sw;
  const LayerCache cache = layer_forward(ctx, w, adapter, 0, h);
  (void)layer_backward(ctx, w, adapter, 0, cache, std::move(dh), grads, true);
  optimizer_step(opt, adapter, state, grads, seq);
  return sw.seconds();
}

}  // namespace

nlohmann::json bench_train() {
  const double tiny = tiny_step_seconds();
  const double layer = llama7b_layer_seconds();
  return {{"tiny_step_s", tiny}, {"tiny_tokens", 16 * 64}, {"llama7b_layer_seq128_step_s", layer},
          {"peak_rss_mb", peak_rss_mb()}};
}

}  // namespace zklora
