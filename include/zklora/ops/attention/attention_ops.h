// The two products of causal grouped-query attention (docs/fixed_point.md section 4), exact (no rounding):
//
//     scores   A[b][h][t][u] = sum_i q[b][t][h][i] k[b][u][g(h)][i]        q (B, S, H hd), k (B, S, G hd)
//     context  O[b][t][h][i] = sum_u p[b][h][t][u] v[b][u][g(h)][i]        p (B, H, S, S),  v (B, S, G hd)
//
// with g(h) = h div R, R = H / G query heads per key-value head. With hd and R powers of two (the statement
// checks both), the head index's bits are (g's bits, r's bits) and a head's columns are (h, i) bit groups, so the
// layouts need no copy: a claim on A at (z_b, z_h, z_t, z_u), z_h = (z_g, z_r), is
//     sum_{b, h, i} eq((z_b, z_h), (b, h)) Qf(b, h, i) Kf(b, g, i),   Qf = q folded over t by eq(z_t),
//                                                                      Kf = k folded over u by eq(z_u)
// one sumcheck over (b, h, i) (O(|q| + |k|) for the folds, O(B H hd) for the rounds), ending in claims on q at
// (rho_b, z_t, rho_h, rho_i) and k at (rho_b, z_u, rho_g, rho_i). The context product is the same with the roles
// (t, u, i) -> (t, i, u): a sumcheck over (b, h, u), claims on p at (rho_b, rho_h, z_t, rho_u) and v at
// (rho_b, rho_u, rho_g, z_i). Masked probabilities are zero (softmax_op.h), so the sum over all u is the causal
// one. The rescaling of O to the output (round_shift by 16) is a RescaleOp.
// Witness: exact dot products in 128 bits (stored as field elements if one exceeds 64 bits).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

struct HeadShape {
  uint64_t batch = 0, seq = 0, heads = 0, kv_heads = 0, head_dim = 0;
  uint64_t group() const { return heads / kv_heads; }
  // ZkError INVALID_ARGUMENT unless every size is >= 1, kv_heads divides heads and hd and heads / kv_heads are
  // powers of two.
  void validate() const;
};

// Inputs: 0 = q, 1 = k. Output: A (derived).
class AttentionScoresOp final : public Operation {
 public:
  explicit AttentionScoresOp(HeadShape shape);
  std::string_view kind() const override { return "attention-scores"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  HeadShape s_;
};

// Inputs: 0 = p, 1 = v. Output: O (derived, before its rescaling).
class AttentionContextOp final : public Operation {
 public:
  explicit AttentionContextOp(HeadShape shape);
  std::string_view kind() const override { return "attention-context"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  HeadShape s_;
};

}  // namespace zklora
