// SwiGLU (docs/fixed_point.md section 4) entry by entry over gate g and up u (rows..., F):
//
//     j = round_shift(g, 5)          2^5 j = g + 2^4 - rem_j,        rem_j in [0, 2^5)
//     jc = clamp(j, lo, hi)          lo = -2^15, hi = 2^15 - 1       (the SIGMOID table's domain)
//     sigma = SIGMOID[jc]            (jc, sigma) in SIGMOID (LogUp)
//     h = round_shift(g sigma u, 32)     2^32 h = g sigma u + 2^31 - rem_h   (SiLU(g) u, rounded once)
//
// The clamp, proven: with w >= 0 committed (unsigned 44 bits: |j| < 2^43) and the lookup bounding jc,
//     (C1) (hi - lo)(j - jc) = w (2 jc - hi - lo)        (C2) w (hi - jc)(jc - lo) = 0
// w = 0 gives jc = j (so j lies in the table's domain); w > 0 forces jc in {lo, hi} by (C2) and then (C1) reads
// j = hi + w > hi or j = lo - w < lo: jc is the clamp, w is |j - jc|, nothing is the prover's choice. (C1) also
// makes j an integer: (hi - lo) = 2^16 - 1 is odd, so (hi - lo) j integral forces 2^5 | g + 2^4 - rem_j.
// Committed: sigma (an output: the backward pass reads it), rem_j, jc, w, rem_h (unsigned 32). Derived: h (the
// output, range checked as an activation). Nothing wraps: every term is below 2^112.
// Reductions: h's claims (combined): a degree-4 sumcheck for g sigma u (claims on g, sigma, u); (C1) + lambda (C2)
// as a zero-check at a random point: a degree-3 sumcheck over g, rem_j, jc, w and the selector (the verifier's).
// Witness: swiglu_forward of fixed/nn.h (the engine's); the clamp's parts from sigmoid_fixed's definition.
// Inputs: 0 = gate, 1 = up. Outputs: 0 = h, 1 = sigma. Helpers: rem_j, jc, w, rem_h.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class SwigluOp final : public Operation {
 public:
  explicit SwigluOp(std::vector<uint64_t> dims);

  std::string_view kind() const override { return "swiglu"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_, dims_}; }
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  std::vector<LookupDecl> lookups() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
};

}  // namespace zklora
