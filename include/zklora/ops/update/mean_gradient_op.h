// The mean gradient of an adapter tensor (docs/fixed_point.md section 6), the optimizers' input:
//
//     g = div_round(G 2^8, N):     2^9 G + N sel - 2 N g = rho,   rho in [0, 2N)
//
// from the summed-loss gradient G (grad scale) and the public number of targets N. Committed: g (an output, signed
// 63: the engine's |g| < 2^62). Derived, range checked: rho and the slack (2N - 1) sel - rho (unsigned
// bit_width(2N - 1)), so rho in [0, 2N) and g is the rounded quotient. The relation is linear: each claim on rho
// (the range check's, and the slack's passed on) is answered by G~ and g~ at its point and a proof of zero
// (RELATION_MISMATCH). Nothing wraps: |G| < 2^62, N < 2^40. Witness: mean_gradient of fixed/optim.h.
// Input: G. Output: g. Helpers: rho, slack.
#pragma once

#include <cstdint>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class MeanGradientOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for empty dims or a count outside [1, 2^40).
  MeanGradientOp(std::vector<uint64_t> dims, int64_t count);

  std::string_view kind() const override { return "mean-gradient"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_}; }
  std::vector<TensorDecl> outputs() const override;
  std::vector<TensorDecl> helpers() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
  int64_t count_;
};

}  // namespace zklora
