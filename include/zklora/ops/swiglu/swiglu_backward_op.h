// SwiGLU's backward pass (docs/fixed_point.md section 4) entry by entry, over the forward's gate g, up u and sigma
// and the incoming gradient dh (rows..., F), each product rounded once:
//
//     du = round_shift(dh g sigma, 32)            2^32 du = dh g sigma + 2^31 - rem_u                       (U)
//     t2 = round_shift(g (2^16 - sigma) sigma, 32)   2^32 t2 = 2^16 g sigma - g sigma sigma + 2^31 - rem_2   (T2)
//     dg = round_shift(dh u (sigma + t2), 32)     2^32 dg = dh u sigma + dh u t2 + 2^31 - rem_g             (G)
//
// silu' = sigma + t2 = sigma (1 + g (1 - sigma)) in fixed point. Committed: the remainders rem_u, rem_2 and rem_g
// (unsigned 32). Derived, range checked: du, dg (gradients, signed 48: the engine's |x| < 2^47) and t2 (signed 16,
// kSlopeRange: t2 = g sigma (1 - sigma) is at most 0.23 in real terms, and |t2| <= 14674 for every g, an exhaustive
// fact of the SIGMOID table that a test checks: past the table's domain sigma is 0 or 2^16, so t2 is zero). Every
// quotient is range checked and every remainder lies in [0, 2^32), so each relation has one solution in the
// integers, and none wraps: |dh| < 2^48, |u|, |g| < 2^47, sigma <= 2^16, |t2| < 2^15, so every product is below
// 2^112, far below |Fr| / 2. sigma's range comes with it (the forward's SIGMOID lookup).
// Reductions, each a degree-4 sumcheck over all variables at the combined claim's point (sel~ the verifier's):
//   (G) dg's claims: eq dh u sigma + eq dh u t2 -> claims on dh, u, sigma, t2;
//   (T2) t2's claims: 2^16 eq g sigma - eq g sigma sigma -> claims on g, sigma;
//   (U) du's claims: eq dh g sigma -> claims on dh, g, sigma.
// Witness: swiglu_backward of fixed/nn.h (the engine's) for du and dg, the rest from the relations.
// Inputs: 0 = g, 1 = u, 2 = sigma, 3 = dh. Outputs: 0 = dg, 1 = du. Helpers: t2, rem_u, rem_2, rem_g.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

// The range of t2, the SiLU slope's correction: [-2^15, 2^15), one limb (the honest values lie in [-14674, 14674]).
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
