// RMSNorm's backward pass (docs/fixed_point.md section 4) over rows t of width d, from the incoming gradient dy,
// the gain g and the forward's n (normalized input) and r (1/rms), each product rounded once:
//
//     2 dot_t + D - 2 D c_t = rho_t,   rho in [0, 2D),   dot_t = sum_i dy_ti g_i n_ti,   D = d 2^32         (C)
//     2^48 dx = (dy g - n c) r + 2^47 - rem_x,            rem_x in [0, 2^48)                                 (X)
//
// c = div_round(dot, D), dx = round_shift((dy g - n c) r, 48): the engine's. Committed: c (rows, a gradient: signed
// 48) and rem_x (unsigned 48). Derived, range checked: rho and the slack 2D - 1 - rho (rows, unsigned
// bit_width(2D - 1)), so rho in [0, 2D) and c is the rounded quotient. The output dx is derived (signed 48).
// Why nothing wraps: |dy| < 2^48, |c| < 2^48, |g| < 2^31, |n| < 2^47, r < 2^57, d < 2^16: |dot| < 2^142,
// |(dy g - n c) r| < 2^153, all far below |Fr| / 2; each relation then holds in the integers, and each quotient is
// the one its range-checked remainder allows.
// Reductions (z = (z_t || z_i)):
//   (X) dx's claims, combined: sum_t eq(z_t, t) r(t) (F(t) - c(t) N(t)) with F(t) = sum_i eq(z_i, i) g(i) dy(t, i)
//       and N(t) = n~(t, z_i), a degree-4 sumcheck over t: claims on r, c and n, and a value of F (sent);
//   (F) that value: sum_i eq(z_i, i) g(i) dy~(rho, i), a sumcheck over i (dy folded over its rows): claims on g, dy;
//   (C) rho's claims (its range check's, and the slack's through slack = (2D - 1) sel - rho), combined at z_t:
//       dot~(z_t) = (rho~ - D sel~ + 2 D c~) / 2 = sum_{t, i} eq(z_t, t) dy(t, i) g(i) n(t, i), a degree-4 sumcheck
//       over all variables (eq on the row variables only, g broadcast over the rows): claims on dy, g and n.
// Witness: rmsnorm_backward of fixed/nn.h (the engine's) for dx; the rest from the relations.
// Inputs: 0 = dy, 1 = g, 2 = n, 3 = r. Output: dx. Helpers: c, rem_x, rho, slack.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class RmsNormBackwardOp final : public Operation {
 public:
  // dy: (rows..., d), at least one row dimension. ZkError INVALID_ARGUMENT otherwise, or for d = 0 or d >= 2^16.
  explicit RmsNormBackwardOp(std::vector<uint64_t> dims);

  std::string_view kind() const override { return "rmsnorm-backward"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;  // dy's
  std::vector<uint64_t> rows_;  // without the last
  uint64_t d_;
  unsigned rho_bits() const;
};

}  // namespace zklora
