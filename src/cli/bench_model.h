// Random models built in memory for the benchmarks (bench_train.cpp, bench_prove.cpp): projection weights uniform
// integers in [lo, hi) at the weight scale, norm gains 1, adapters with small non-zero B.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/fixed/format.h"
#include "zklora/model/deterministic_rng.h"
#include "zklora/model/llama.h"

namespace zklora {

inline WTensor bench_uniform_weights(std::vector<int64_t> shape, SplitMix64& rng, int32_t lo, int32_t hi) {
  WTensor w(std::move(shape));
  for (int32_t& v : w.data) v = lo + static_cast<int32_t>(rng.below(static_cast<uint64_t>(hi - lo)));
  return w;
}

inline WTensor bench_ones(int64_t d) {
  WTensor w({d});
  for (int32_t& v : w.data) v = int32_t{1} << kFixed.weight;
  return w;
}

inline LayerWeights bench_random_layer(const ModelConfig& cfg, SplitMix64& rng, int32_t lo, int32_t hi) {
  LayerWeights w;
  w.attn_norm = bench_ones(cfg.d_model);
  w.mlp_norm = bench_ones(cfg.d_model);
  for (const Projection p : kAllProjections) {
    const auto [out, in] = projection_shape(cfg, p);
    w.proj[static_cast<size_t>(p)] = bench_uniform_weights({out, in}, rng, lo, hi);
  }
  return w;
}

// Gives B small non-zero entries so every adapter gradient is exercised.
inline void bench_randomize_b(AdapterTensors& ad, SplitMix64& rng) {
  for (ITensor& b : ad.b)
    for (int64_t& v : b.data) v = static_cast<int64_t>(rng.below(1 << 15)) - (1 << 14);
}

}  // namespace zklora
