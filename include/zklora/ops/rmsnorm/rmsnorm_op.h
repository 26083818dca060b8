// RMSNorm (docs/fixed_point.md section 4) over rows t of width d (x (rows..., d), gain g (d)):
//
//     ss_t = sum_i x_ti^2                 v_t = ss_t + E          E = round(d eps 2^32), N = d 2^96 (public)
//     r_t  = rsqrt_scaled(v_t, N):        r_t^2 v_t <= N < (r_t + 1)^2 v_t                                    (Z)
//     n_ti = round_shift(x_ti r_t, 32):   2^32 n = x r + 2^31 - rem_n,   rem_n in [0, 2^32)                  (N)
//     y_ti = round_shift(n_ti g_i, 16):   2^16 y = n g + 2^15 - rem_y,   rem_y in [0, 2^16)                  (Y)
//
// Committed: r (an output: the backward pass reads it), rem_n, rem_y, and the two slacks of (Z),
// s1 = N - r^2 v and s2 = (r + 1)^2 v - N - 1, each as lo + 2^60 hi with both halves unsigned 60 bits (a slack is
// below (2 r + 1) v). r is range checked to rb bits, rb = bit_length(floor(sqrt(N / E))): v >= E makes every honest
// r at most sqrt(N / E), so r^2 < 4 N / E = 2^66 / eps (about 2^83 for eps = 1e-5).
// Derived: y and n (outputs, signed 48 bits like every activation), ss.
// Why nothing wraps: x is the residual stream, a sum of the embedding (|w| < 2^31) and of two range-checked
// projection outputs (each below 2^49) per layer: |x| < 2^60 for up to 2^9 layers, so ss < 2^136 for d < 2^16; the
// largest terms of (Z), r^2 v and (r + 1)^2 v, stay below 2^(2 rb + 137), which the constructor keeps at most
// 2^251 < |Fr| / 2 by requiring rb <= 57 (it is 2^220 for eps = 1e-5). So (Z) holds in Fr iff it holds in Z, and then r is the
// one integer with both inequalities: no freedom. (N) and (Y) are roundings with range-checked remainders and
// range-checked quotients.
//
// Reductions (T = rows, z = (z_t || z_i)):
//   (Y) the claims on y, combined, y~(z) = v:  sum_i eq(z_i, i) g(i) n~(z_t, i) = 2^16 v - 2^15 sel~(z) + rem_y~(z)
//       a sumcheck over i (n folded over its rows first): claims g(rho_i), n(z_t, rho_i);
//   (N) the claims on n (its consumers', its range check's, (Y)'s), combined, n~(z) = v:
//       sum_t eq(z_t, t) r(t) x~(t, z_i) = 2^32 v - 2^31 sel~(z) + rem_n~(z)
//       a sumcheck over t (x folded over its columns): claims r(rho_t), x(rho_t, z_i);
//   (Z) zero-check over t at a random point, both inequalities combined with a random lambda: a degree-3
//       sumcheck over t ending in claims on r, ss, s1, s2; sel~ is the verifier's;
//   (SS) ss~(rho) = sum_{t, i} eq(rho, t) x(t, i)^2: a degree-2 sumcheck over (t, i): a claim on x.
// Witness: rmsnorm_forward and rmsnorm_constants of fixed/nn.h (the engine's), the remainders and slacks from
// the relations.
// Inputs: 0 = x, 1 = g. Outputs: 0 = y, 1 = n, 2 = r. Helpers: rem_n, rem_y, s1_lo, s1_hi, s2_lo, s2_hi.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/base/types.h"
#include "zklora/ops/operation.h"

namespace zklora {

class RmsNormOp final : public Operation {
 public:
  // x: (rows..., d). ZkError INVALID_ARGUMENT for d = 0, d >= 2^16, eps not finite and positive, or an eps so
  // small that r's range would let (Z) wrap (see above).
  RmsNormOp(std::vector<uint64_t> dims, double eps);

  std::string_view kind() const override { return "rmsnorm"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;  // x's
  std::vector<uint64_t> rows_;  // x's without the last
  uint64_t d_;
  double eps_;
  u128 e_ = 0, n_ = 0;
  unsigned r_bits_ = 0;
};

}  // namespace zklora
