// RMSNorm's backward pass (docs/fixed_point.md section 4) over rows t of width d, from the incoming gradient dy,
// the gain g and the forward's n (normalized input) and r (1/rms):
//
//     2^16 dn = dy g + 2^15 - rem_dn,          rem_dn in [0, 2^16)                                        (DN)
//     2 dot_t + D - 2 D c_t = rho_t,           rho in [0, 2D),   dot_t = sum_i dn_ti n_ti,   D = d 2^16    (C)
//     2^16 m = n c + 2^15 - rem_m,             rem_m in [0, 2^16)                                          (M)
//     2^32 dx = (dn - m) r + 2^31 - rem_x,     rem_x in [0, 2^32)                                          (X)
//
// c = div_round(dot, D), m = round_shift(n c, 16), dx = round_shift((dn - m) r, 32): the engine's. Committed: c
// (rows, a gradient: signed 48) and the remainders rem_dn, rem_m (unsigned 16), rem_x (unsigned 32). Derived,
// range checked: dn, m (signed 48: the engine's gradient bound), rho and the slack 2D - 1 - rho (rows, unsigned
// bit_width(2D - 1)), so rho in [0, 2D) and c is the rounded quotient. The output dx is derived (signed 48).
// Why nothing wraps: |dy| < 2^48 (a sum of two gradients), |dn|, |c|, |m| < 2^47, |g| < 2^31, |n| < 2^47, r < 2^57, d < 2^16: |dot| < 2^111,
// |(dn - m) r| < 2^106, all far below |Fr| / 2; each relation then holds in the integers, and each quotient is
// the one its range-checked remainder allows.
// Reductions (z = (z_t || z_i)), in this order so that claims on a derived tensor precede its own relation:
//   (X) dx's claims, combined: sum_t eq(z_t, t) r(t) (dn~(t, z_i) - m~(t, z_i)), a sumcheck over t (dn and m
//       folded over their columns): a claim on r, values of dn and m (sent; claims the operation keeps);
//   (M) m's claims: sum_t eq(z_t, t) c(t) n~(t, z_i), over t: claims on c and n;
//   (C) rho's claims (its range check's, and the slack's through slack = (2D - 1) sel - rho), combined at z_t:
//       dot~(z_t) = (rho~ - D sel~ + 2 D c~) / 2 = sum_{t, i} eq(z_t, t) dn(t, i) n(t, i), a sumcheck over all
//       variables (eq on the row variables only): a claim on n and a value of dn (sent; kept);
//   (DN) dn's claims: sum_i eq(z_i, i) g(i) dy~(z_t, i), over i (dy folded over its rows): claims on g and dy.
// Witness: rmsnorm_backward of fixed/nn.h (the engine's) for dx; the rest from the relations.
// Inputs: 0 = dy, 1 = g, 2 = n, 3 = r. Output: dx. Helpers: c, rem_dn, rem_m, rem_x, dn, m, rho, slack.
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
