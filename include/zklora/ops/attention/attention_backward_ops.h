// The backward pass of causal grouped-query attention (docs/fixed_point.md section 4) beyond what the forward's
// products already express. With P the probabilities, dO the context's incoming gradient, C the score scale:
//
//     dP = round_shift(dO V^T, 16)              AttentionScoresOp(dO, V), then a RescaleOp
//     c_t = round_shift(sum_u p_tu dP_tu, 16);  dS_tu = round_shift(p_tu (dP_tu - c_t), 16)    SoftmaxBackwardOp
//     dQ = round_shift(C dS K, 32)              AttentionContextOp(dS, K), then a RescaleOp (C, 32)
//     dV_g = round_shift(sum_{h in g} P_h^T dO_h, 16)        AttentionGroupSumOp(P, dO), then a RescaleOp
//     dK_g = round_shift(C sum_{h in g} dS_h^T Q_h, 32)      AttentionGroupSumOp(dS, Q), then a RescaleOp (C, 32)
//
// AttentionGroupSumOp, exact (no rounding):
//     W[b][u][g][i] = sum_{h in g} sum_t Y[b][h][t][u] X[b][t][h][i]       Y (B, H, S, S), X (B, S, H hd)
// A claim on W at (z_b, z_u, z_g, z_i) is sum_{b, g, r, t} eq((z_b, z_g), (b, g)) Yf(b, (g, r), t) Xf(b, (g, r), t)
// with Yf = Y folded over u by eq(z_u) and Xf = X folded over i by eq(z_i) (its (t, h) swapped to (h, t)): one
// sumcheck over (b, h, t), eq on (b, g) only (the group's heads and the rows are summed), ending in claims on Y at
// (rho_b, rho_h, rho_t, z_u) and X at (rho_b, rho_t, rho_h, z_i).
//
// SoftmaxBackwardOp over p (B, H, S, S) and dP (same):
//     2^16 c = sum_u p dP + 2^15 - rem_c                (C)  c, rem_c committed (rows (B, H, S))
//     2^16 dS = p dP - p c + 2^15 - rem_s               (S)  dS derived, rem_s committed
// c and dS are gradients (signed 48: the engine checks |x| < 2^47), rem_c, rem_s unsigned 16. (C) is a zero-check
// at a random row point: sum_{x} eq(z_rows, rows(x)) p(x) dP(x) = 2^16 c~ - 2^15 sel~ + rem_c~, a sumcheck over all
// variables with eq on the rows only (claims on p, dP; c, rem_c at the point); (S) on dS's claims, combined:
// sum_x eq(z, x) (p dP - p cb)(x) with cb c broadcast over u, a degree-2 sumcheck (claims on p, dP and c at the row
// part). Masked entries have p = 0, so they add nothing to c and have dS = 0, as in the engine. Nothing wraps:
// p <= 2^16 + 1, |dP|, |c| < 2^47, S < 2^20: every sum is below 2^86.
// Witness: attention_backward of fixed/nn.h computes the same values; here from the relations (the step's test
// compares them with the engine's).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/attention/attention_ops.h"
#include "zklora/ops/operation.h"

namespace zklora {

// Inputs: 0 = Y, 1 = X. Output: W (derived, before its rescaling).
class AttentionGroupSumOp final : public Operation {
 public:
  explicit AttentionGroupSumOp(HeadShape shape);
  std::string_view kind() const override { return "attention-group-sum"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  HeadShape s_;
};

// Inputs: 0 = p, 1 = dP. Output: dS (derived). Helpers: c, rem_c, rem_s.
class SoftmaxBackwardOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for a zero size.
  SoftmaxBackwardOp(uint64_t batch, uint64_t heads, uint64_t seq);
  std::string_view kind() const override { return "softmax-backward"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  uint64_t batch_, heads_, seq_;
  std::vector<uint64_t> dims() const { return {batch_, heads_, seq_, seq_}; }
  std::vector<uint64_t> rows() const { return {batch_, heads_, seq_}; }
};

}  // namespace zklora
