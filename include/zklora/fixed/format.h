// The fixed-point format: the power-of-two scale of every tensor kind (docs/fixed_point.md section 1).
// A real value x of a kind with f fractional bits is the integer round(x * 2^f). The format is part of the
// public statement of a proof; the defaults are what the engine was validated with against float training.
#pragma once

#include <cstdint>

namespace zklora {

struct FixedFormat {
  unsigned act = 16;       // activations, attention scores, logits, RMSNorm outputs
  unsigned weight = 16;    // base weights (embeddings, projections, RMSNorm gains, LM head)
  unsigned lora = 24;      // adapter matrices A and B
  unsigned grad = 24;      // gradients of the summed loss flowing backward
  unsigned prob = 16;      // softmax probabilities
  unsigned exp = 20;       // exp table outputs (softmax numerators)
  unsigned rsqrt = 32;     // 1 / RMS (32 bits keep 2^-20 relative precision for RMS up to 2^11)
  unsigned trig = 16;      // RoPE cos / sin
  unsigned unit = 16;      // sigmoid, SiLU derivative, 1/sqrt(head_dim), the LoRA scale alpha / r
  unsigned mean_grad = 32; // gradients of the mean loss, first moments and momentum (optimizer)
  unsigned second = 56;    // AdamW second moments
  unsigned hyper = 32;     // learning rate, betas, weight decay, epsilons as integers over 2^hyper

  // Bounds (bits of the integer) past which the engine reports OUT_OF_RANGE instead of computing.
  unsigned act_bits = 40;
  unsigned grad_bits = 47;
};

}  // namespace zklora

namespace zklora {

// The format every step uses. Tables and kernels are generated for exactly these scales.
inline constexpr FixedFormat kFixed{};
inline constexpr uint32_t kFixedFormatVersion = 3;

}  // namespace zklora
