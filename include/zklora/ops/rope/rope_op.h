// RoPE, rotate-half (docs/fixed_point.md section 4), on x (batch, seq, heads hd) with the public tables of
// fixed/tables.h: for row (b, s) at position s, head h, i < h2 = hd / 2,
//
//     y_i      = round_shift(x_i cos[s][i] - x_{i+h2} sin[s][i], 16)
//     y_{i+h2} = round_shift(x_{i+h2} cos[s][i] + x_i sin[s][i], 16)
//
// i.e.  2^16 y = x Cb + rot(x) Sb + 2^15 sel - rem,  rem in [0, 2^16)  (committed, range checked; y range checked
// as an activation), with Cb[b][s][h][i] = cos[s][i mod h2], Sb = -sin for i < h2 and +sin after, and rot(x) the
// swap of the two halves of every head. With hd a power of two the half is one index bit of the head's dimension
// (the head's most significant), so rot(x)~(z) = x~(z with that coordinate c replaced by 1 - c): no copy, no
// sumcheck. The claims on y, combined, y~(z) = v, reduce by one sumcheck over (s, i) (x folded over b and h
// first, O(|x|)):
//     sum_{s, i} eq((z_s, z_i), (s, i)) [xf(s, i) Cf(s, i) + xf(s, flip i) Sf(s, i)] = 2^16 v - 2^15 sel~(z) + rem~(z)
// ending in two claims on x (at rho and at rho with the half coordinate flipped) and the tables' values
// Cf~(rho) = cos~(rho_s, rho_low), Sf~(rho) = (2 rho_half - 1) sin~(rho_s, rho_low), which the verifier evaluates
// itself (RopeTableTensor: public, never committed). Nothing wraps: x is a projection output (|x| < 2^49, the sum
// of two range-checked roundings) and |cos|, |sin| <= 2^16.
// Backward (backward = true): the transposed rotation of a gradient, the same relation with sin negated,
//     dx_i = round_shift(dy_i cos + dy_{i+h2} sin, 16),   dx_{i+h2} = round_shift(dy_{i+h2} cos - dy_i sin, 16)
// so Sb = +sin for i < h2 and -sin after (Sf~(rho) = (1 - 2 rho_half) sin~), dx range checked as a gradient
// (signed 48: the engine checks |dx| < 2^47); nothing wraps: |dy| < 2^47.
// Witness: rope_forward (rope_backward) of fixed/nn.h with the positions of the batch layout (row (b, s) at
// position s).
// Inputs: 0 = x, 1 = cos (seq, hd / 2), 2 = sin (seq, hd / 2). Output: y. Helper: rem.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

// cos or sin of fixed/tables.h make_rope_table, (seq, hd / 2) at the trig scale: a public tensor.
class RopeTableTensor final : public PublicTensor {
 public:
  RopeTableTensor(int64_t seq, int64_t head_dim, double theta, bool sine);
  std::string_view kind() const override { return sine_ ? "rope-sin" : "rope-cos"; }
  std::vector<uint64_t> dims() const override;
  void absorb(Transcript& t) const override;
  std::vector<int64_t> values() const override;

 private:
  int64_t seq_, head_dim_;
  double theta_;
  bool sine_;
};

class RopeOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT unless head_dim is an even power of two and heads, batch, seq >= 1.
  RopeOp(uint64_t batch, uint64_t seq, uint64_t heads, uint64_t head_dim, bool backward = false);

  std::string_view kind() const override { return backward_ ? "rope-backward" : "rope"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  uint64_t batch_, seq_, heads_, hd_;
  bool backward_;
  // +1 forward, -1 backward: the sign of sin in the rotation.
  int64_t sin_sign() const { return backward_ ? -1 : 1; }
  std::vector<uint64_t> dims() const { return {batch_, seq_, heads_ * hd_}; }
};

}  // namespace zklora
