// `zklora bench prove --what linear [--shapes tiny,llama-2-7b-layer] [--json]`: proofs of the linear backbone of
// the forward pass (step/linear_step.h) in the zero-knowledge channel, the non-linear outputs as committed unproven
// inputs: the tiny model (all layers, embedding to logits, seq 64) and one llama-2-7b-shaped decoder layer at
// sequence 128 (layers_only: the residual stream enters committed). Per shape: commit_s (base weights, adapter,
// batch), witness_s (the engine's forward pass of the same layers: the unproven computation), prove_s, verify_ms,
// proof_bytes, peak_rss_mb (of the process so far), prove_over_witness; for the tiny model also the once-per-model
// proof that its weight commitment is well formed (step/weight_check.h): weight_check_prove_s, _verify_ms, _bytes.
#include <string>
#include <vector>

#include "bench_model.h"
#include "zklora/base/timer.h"
#include "zklora/cli/cli.h"
#include "zklora/fixed/format.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/init_model.h"
#include "zklora/model/llama.h"
#include "zklora/step/linear_step.h"
#include "zklora/step/weight_check.h"
#include "zklora/step/weight_commitment.h"

namespace zklora {
namespace {

// Uniform in [-0.02, 0.02) at the weight scale: the initializer range of the llama-2 shapes.
constexpr int32_t kLo = -1311, kHi = 1311;

nlohmann::json bench_shape(const std::string& name, ModelConfig cfg, int64_t seq, bool layers_only) {
  SplitMix64 rng(7);
  std::vector<LayerWeights> layers;
  for (int64_t l = 0; l < cfg.n_layers; ++l) layers.push_back(bench_random_layer(cfg, rng, kLo, kHi));
  // One layer of a large model reads no embedding: only the rows of the ids used (below 256) are made.
  const int64_t embed_rows = layers_only ? 256 : cfg.vocab_size;
  const ModelWeights weights = ModelWeights::resident(
      cfg, bench_uniform_weights({embed_rows, cfg.d_model}, rng, kLo, kHi), bench_ones(cfg.d_model),
      layers_only ? WTensor() : bench_uniform_weights({cfg.vocab_size, cfg.d_model}, rng, kLo, kHi),
      std::move(layers));
  AdapterTensors adapter = init_adapter(cfg, LoraConfig{}, 2);
  bench_randomize_b(adapter, rng);
  std::vector<std::vector<int32_t>> seqs(1, std::vector<int32_t>(static_cast<size_t>(seq)));
  for (int32_t& t : seqs[0]) t = static_cast<int32_t>(4 + rng.below(static_cast<uint64_t>(std::min<int64_t>(embed_rows, cfg.vocab_size) - 4)));
  const Batch batch = make_batch(seqs, seq, cfg);

  LinearStatement s;
  s.model = cfg;
  s.lora = adapter.config;
  s.format_version = kFixedFormatVersion;
  s.batch = 1;
  s.seq = seq;
  s.mode = NonLinearMode::UNPROVEN_INPUTS;
  s.layers_only = layers_only;

  Stopwatch sw;
  ProverCommitments c;
  if (layers_only) {
    for (int64_t l = 0; l < cfg.n_layers; ++l) {
      for (const Projection p : kAllProjections) {
        c.emplace("layers." + std::to_string(l) + "." + projection_module(p),
                  commit_weight_tensor(weights.layer(l)->projection(p)));
      }
    }
  } else {
    c = commit_model_weights(weights);
  }
  c.merge(commit_adapter(adapter));
  c.merge(commit_batch(batch));
  const double commit_s = sw.seconds();

  // The unproven computation the proof follows: the engine's forward pass of the same layers.
  sw = Stopwatch();
  {
    const RopeTable rope = make_rope_table(seq, cfg.head_dim(), cfg.rope_theta);
    std::vector<int64_t> positions;
    for (int64_t t = 0; t < seq; ++t) positions.push_back(t);
    const LayerContext ctx{cfg, lora_scale_fixed(adapter.config), rope, positions,
                           AttentionShape{1, seq, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim()}};
    ITensor h({seq, cfg.d_model});
    for (int64_t t = 0; t < seq; ++t)
      for (int64_t i = 0; i < cfg.d_model; ++i) h.at2(t, i) = weights.embed.at2(batch.tokens[static_cast<size_t>(t)], i);
    for (int64_t l = 0; l < cfg.n_layers; ++l) (void)layer_forward(ctx, *weights.layer(l), adapter, l, h);
  }
  const double witness_s = sw.seconds();

  sw = Stopwatch();
  const std::vector<uint8_t> proof =
      prove_linear_step(s, weights, adapter, batch, c, ChannelMode::ZERO_KNOWLEDGE);
  const double prove_s = sw.seconds();
  sw = Stopwatch();
  const Status v = verify_linear_step(s, public_commitments(c), proof, ChannelMode::ZERO_KNOWLEDGE);
  const double verify_ms = sw.seconds() * 1e3;
  if (!v) throw ZkError(v.error());
  nlohmann::json row = {{"shape", name},          {"commit_s", commit_s},         {"witness_s", witness_s},
                        {"prove_s", prove_s},     {"verify_ms", verify_ms},       {"proof_bytes", proof.size()},
                        {"peak_rss_mb", peak_rss_mb()}, {"prove_over_witness", prove_s / witness_s}};
  if (!layers_only) {
    // The once-per-model proof that the weight commitment holds 32-bit integers with zero padding.
    sw = Stopwatch();
    const std::vector<uint8_t> check = prove_weight_check(weights, c);
    row["weight_check_prove_s"] = sw.seconds();
    sw = Stopwatch();
    const Status wv = verify_weight_check(cfg, public_commitments(c), check);
    row["weight_check_verify_ms"] = sw.seconds() * 1e3;
    if (!wv) throw ZkError(wv.error());
    row["weight_check_bytes"] = check.size();
  }
  return row;
}

}  // namespace

std::string& bench_prove_what() {
  static std::string what = "linear";
  return what;
}

std::string& bench_prove_shapes() {
  static std::string shapes = "tiny,llama-2-7b-layer";
  return shapes;
}

nlohmann::json bench_prove() {
  if (bench_prove_what() != "linear") {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --what must be 'linear'");
  }
  std::vector<std::string> shapes;
  std::string rest = bench_prove_shapes();
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    shapes.push_back(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  for (const std::string& sh : shapes) {
    if (sh != "tiny" && sh != "llama-2-7b-layer") {
      throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: unknown shape '" + sh +
                                                     "' (--shapes takes tiny and llama-2-7b-layer, comma separated)");
    }
  }
  if (shapes.empty()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "bench prove: --shapes is empty");
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& sh : shapes) {
    if (sh == "tiny") {
      rows.push_back(bench_shape("tiny (4 layers, seq 64)", tiny_model_config(), 64, false));
    } else {
      ModelConfig cfg = model_shape("llama-2-7b").value();
      cfg.n_layers = 1;
      rows.push_back(bench_shape("llama-2-7b layer (seq 128)", cfg, 128, true));
    }
  }
  return {{"what", "linear"}, {"channel", "zero-knowledge"}, {"results", rows}};
}

}  // namespace zklora
