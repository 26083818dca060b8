// The SGD update of one adapter tensor (docs/fixed_point.md section 6), entry by entry, from the summed-loss
// gradient G, the entries theta and, with momentum, the previous buffer m:
//
//     g = div_round(G 2^8, N):        2^9 G + N - 2 N g = rho,   rho in [0, 2N)                            (R)
//     m1 = round_shift(MU m, 32):     2^32 m1 = MU m + 2^31 - rem_m,   rem_m in [0, 2^32)                    (M)
//     buf = m1 + g   (buf = g without momentum)                                                              (B)
//     q = round_shift(LR buf, 40):    2^40 q = LR buf + 2^39 - rem_u,  rem_u in [0, 2^40)                    (Q)
//     theta' = theta - q                                                                                     (T)
//
// N, LR > 0 and MU >= 0 are public (the statement's). Every relation is linear in the tensors (the constants are
// public), so no sumcheck is needed: a claim on a derived tensor at z is answered by the values of the tensors it
// is made of at z (sent, and claims themselves) and a proof of zero, or passed on to the next derived tensor.
// Committed: g (signed 63, the engine's |g| < 2^62), rem_u (unsigned 40), rem_m (unsigned 32). Derived, range
// checked: rho and the slack 2N - 1 - rho (unsigned bit_width(2N - 1)), q (signed 64), m1 (signed 63); the outputs
// theta' and buf (signed 63: the engine's |x| < 2^62). With the remainders and quotients in range each relation has
// one integer solution. Nothing wraps: |G| < 2^62, LR < 2^42, |buf| < 2^62, so every term is below 2^105.
// Witness: mean_gradient and sgd_element of fixed/optim.h (the engine's), the remainders from the relations.
// Inputs: 0 = G, 1 = theta, 2 = m (with momentum). Outputs: 0 = theta', 1 = buf (with momentum).
// Helpers: g, rem_u, rho, slack, q, then rem_m, m1 (with momentum).
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class SgdUpdateOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for empty dims, count <= 0, lr <= 0 or mu < 0 (the hyper-parameters at 2^32).
  SgdUpdateOp(std::vector<uint64_t> dims, int64_t count, int64_t lr, int64_t mu);

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
  int64_t count_, lr_, mu_;
  bool momentum() const { return mu_ != 0; }
  unsigned rho_bits() const;
};

}  // namespace zklora
