// The AdamW update of one adapter tensor (docs/fixed_point.md section 6), entry by entry, from the mean gradient g
// (MeanGradientOp's output, or the clipped one), the entries theta and the moments m, v; LR, B1, B2, EPS, WD
// (= lr weight_decay) and the bias corrections c1, c2 of the public step number are the operation's constants
// (fixed/optim.h adamw_constants):
//
//     2^32 w = WD theta + 2^31 - rem_w                              w = round_shift(theta WD, 32)          (W)
//     2^32 m' = B1 m + (2^32 - B1) g + 2^31 - rem_m                                                        (M)
//     2^8 g2 = g g + 2^7 - rem_g2                                   g2 = round_shift(g^2, 8)               (G2)
//     2^32 v' = B2 v + (2^32 - B2) g2 + 2^31 - rem_v                                                       (V)
//     2^33 m' + c1 - 2 c1 m_hat = rho_m,      rho_m in [0, 2 c1)    m_hat = div_round(m' 2^32, c1)         (MH)
//     2^33 v' + c2 - 2 c2 v_hat = rho_v,      rho_v in [0, 2 c2)    v_hat = div_round(v' 2^32, c2)         (VH)
//     sig1 = 2^8 v_hat - s s >= 0,  sig2 = s s + 2 s - 2^8 v_hat >= 0            s = isqrt(2^8 v_hat)      (S)
//     2 LR m_hat + D - 2 step D = rho_s,      rho_s in [0, 2D),  D = 2^8 (s + EPS)                         (ST)
//     theta' = theta - w - step                                                                             (T)
//
// Committed: m_hat (signed 63), v_hat (unsigned 62), s (unsigned 36), step (signed 64), the remainders rem_w,
// rem_m, rem_v (unsigned 32), rem_g2 (unsigned 8). Derived, range checked: rho_m, rho_v, rho_s and their slacks
// (2X - 1 - rho for the divisor X), w, sig1, sig2, g2 (unsigned 62); the outputs theta', m', v' (signed 63). With every remainder,
// slack and quotient in range, each relation has one integer solution: s is the integer root, step the rounded
// quotient. The engine checks g2, m', v', m_hat, v_hat and theta' against 2^62. Nothing wraps: every term is below
// 2^110 (2 LR m_hat < 2^105, 2^9 step s < 2^109).
// Reductions: a derived tensor's claims (its range check's, an output's, and those other relations make on it)
// are answered through its relation, users before the tensors they read: a linear relation by the values of its
// parts at the claim's point (derived parts sent and passed on, committed parts opened) and a proof of zero
// (RELATION_MISMATCH); a relation with products (G2, S, ST) by its claims combined and one degree-2 sumcheck.
// Witness: adamw_element of fixed/optim.h (the engine's), the helpers from the relations.
// Inputs: 0 = g, 1 = theta, 2 = m, 3 = v. Outputs: 0 = theta', 1 = m', 2 = v'.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/fixed/optim.h"
#include "zklora/ops/operation.h"

namespace zklora {

class AdamwUpdateOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for empty dims or constants outside what the relations allow (lr, eps, c1, c2 > 0;
  // b1, b2 in [0, 2^32); wd_lr >= 0).
  AdamwUpdateOp(std::vector<uint64_t> dims, AdamwConstants k);

  std::string_view kind() const override { return "adamw-update"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
  AdamwConstants k_;
};

}  // namespace zklora
