// The SGD update of one adapter tensor (docs/fixed_point.md section 6), entry by entry, from the mean gradient g
// (MeanGradientOp's output, or the clipped one), the entries theta and, with momentum, the previous buffer m:
//
//     m1 = round_shift(MU m, 32):     2^32 m1 = MU m + 2^31 - rem_m,   rem_m in [0, 2^32)                    (M)
//     buf = m1 + g   (buf = g without momentum)                                                              (B)
//     q = round_shift(LR buf, 40):    2^40 q = LR buf + 2^39 - rem_u,  rem_u in [0, 2^40)                    (Q)
//     theta' = theta - q                                                                                     (T)
//
// LR > 0 and MU >= 0 are public (the statement's). Every relation is linear in the tensors (the constants are
// public), so no sumcheck is needed: a claim on a derived tensor at z is answered by the values of the tensors it
// is made of at z (sent, and claims themselves) and a proof of zero, or passed on to the next derived tensor.
// Committed: rem_u (unsigned 40), rem_m (unsigned 32). Derived, range checked: q (signed 64), m1 (signed 63); the
// outputs theta' and buf (signed 63: the engine's |x| < 2^62). With the remainders and quotients in range each
// relation has one integer solution. Nothing wraps: |g|, |buf| < 2^62, LR < 2^42, so every term is below 2^105.
// Witness: sgd_element of fixed/optim.h (the engine's), the remainders from the relations.
// Inputs: 0 = g, 1 = theta, 2 = m (with momentum). Outputs: 0 = theta', 1 = buf (with momentum).
// Helpers: rem_u, q, then rem_m, m1 (with momentum).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class SgdUpdateOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for empty dims, lr outside (0, 2^42) or mu outside [0, 2^32) (at 2^32).
  SgdUpdateOp(std::vector<uint64_t> dims, int64_t lr, int64_t mu);

  std::string_view kind() const override { return "sgd-update"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
  int64_t lr_, mu_;
  bool momentum() const { return mu_ != 0; }
};

}  // namespace zklora
