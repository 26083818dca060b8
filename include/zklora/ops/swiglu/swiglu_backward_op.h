// SwiGLU's backward pass (docs/fixed_point.md section 4) entry by entry, over the forward's gate g, up u, sigma and
// silu and the incoming gradient dh (rows..., F):
//
//     d_act = round_shift(dh u, 16)            2^16 d_act = dh u + 2^15 - rem_a                              (A)
//     du    = round_shift(dh silu, 16)         2^16 du = dh silu + 2^15 - rem_u                              (U)
//     t1    = round_shift(g (2^16 - sigma), 16)   2^16 t1 = g (2^16 - sigma) + 2^15 - rem_1                  (T1)
//     t2    = round_shift(t1 sigma, 16)        2^16 t2 = t1 sigma + 2^15 - rem_2                             (T2)
//     dg    = round_shift(d_act (sigma + t2), 16)   2^16 dg = d_act (sigma + t2) + 2^15 - rem_g              (G)
//
// silu' = sigma + t2 = sigma (1 + g (1 - sigma)) in fixed point. Committed: the five remainders (unsigned 16).
// Derived, range checked: d_act, du, dg (gradients, signed 48: the engine's |x| < 2^47), t1 (signed 48:
// |t1| <= |g| + 1) and t2 (signed 16, kSlopeRange: t2 = g sigma (1 - sigma) is at most 0.23 in real terms, and
// |t2| <= 14675 for every g, an exhaustive fact of the SIGMOID table that a test checks: past the table's domain
// sigma is 0 or 2^16, so t1 sigma or t1 is zero). Every quotient is range checked and every remainder lies in [0, 2^16), so each
// relation has one solution in the integers, and none wraps: |dh| < 2^48, |u|, |g|, |silu| < 2^47, sigma <= 2^16,
// so every product is below 2^97, far below |Fr| / 2. sigma's range comes with it (the forward's SIGMOID lookup).
// Reductions, each a degree-2 sumcheck over all variables at the combined claim's point (sel~ the verifier's):
//   (G) dg's claims: eq d_act sigma + eq d_act t2 -> claims on d_act, sigma, t2;
//   (T2) t2's claims: eq t1 sigma -> claims on t1, sigma;
//   (T1) t1's claims: 2^16 eq g sel - eq g sigma -> claims on g, sigma;
//   (A) d_act's claims: eq dh u -> claims on dh, u;     (U) du's claims: eq dh silu -> claims on dh, silu.
// Witness: swiglu_backward of fixed/nn.h (the engine's) for du and dg, the rest from the relations.
// Inputs: 0 = g, 1 = u, 2 = sigma, 3 = silu, 4 = dh. Outputs: 0 = dg, 1 = du.
// Helpers: d_act, t1, t2, rem_a, rem_u, rem_1, rem_2, rem_g.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

// The range of t2, the SiLU slope's correction: [-2^15, 2^15), one limb (the honest values lie in [-14674, 14675]).
inline constexpr RangeSpec kSlopeRange{16, true};

class SwigluBackwardOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for empty dims.
  explicit SwigluBackwardOp(std::vector<uint64_t> dims);

  std::string_view kind() const override { return "swiglu-backward"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
};

}  // namespace zklora
