// Global-norm clipping of the step's mean gradients (docs/fixed_point.md section 6, torch's clip_grad_norm_),
// between MeanGradientOp and the updates, over k tensors g_1 .. g_k with CLIP and EPS6 public (at 2^32):
//
//     S_j = sum_x g_j(x)^2 (sent, one sumcheck each),   sq = sum_j S_j
//     norm^2 + root_low = sq,   sq + root_high = norm^2 + 2 norm      (norm = isqrt(sq); both slacks >= 0)
//     den = norm + EPS6;  b (b - 1) = 0;  decision = b (den - CLIP - 1) + (1 - b) (CLIP - den) >= 0  (b = CLIP < den)
//     2 CLIP g_j + den sel - 2 den q_j = rho_j,  rho_j in [0, 2 den)  (q_j = div_round(g_j CLIP, den))
//     g'_j = g_j + b (q_j - g_j)
//
// Committed: the scalars norm (unsigned 62: the engine's bound), b (proven boolean), root_low, root_high and
// decision (unsigned 63), and each q_j (signed 63). Derived, range checked: rho_j and its slack (2 den - 1) sel - rho_j
// (unsigned 63), and the outputs g'_j (signed 63). The scalars' relations are proofs of zero over products made by
// the channel (norm^2, b^2, b times den, den times q_j~, b times (q_j~ - g_j~)); the per-entry relations are linear
// once those products are made. Nothing wraps: |g| < 2^62 over fewer than 2^100 entries keeps sq below 2^225,
// CLIP < 2^52 and den < 2^63 keep every other term below 2^127.
// Witness: clip_decision and clip_element of fixed/optim.h (the engine's).
// Inputs: g_1 .. g_k. Outputs: g'_1 .. g'_k ("0", "1", ...). Helpers: norm, flag, root_low, root_high, decision,
// then per tensor j: q_j, rho_j, slack_j.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class ClipOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for no tensor, empty dims, clip <= 0 or >= 2^52, eps6 <= 0.
  ClipOp(std::vector<std::vector<uint64_t>> dims, int64_t clip, int64_t eps6);

  std::string_view kind() const override { return "clip"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return dims_; }
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<std::vector<uint64_t>> dims_;
  int64_t clip_, eps6_;
};

}  // namespace zklora
