// Residual additions (docs/fixed_point.md section 4: exact integer additions), y = a + b over tensors of equal
// dims. The MLE is linear, so the claim y~(z) = v reduces without a sumcheck:
//
//     prover sends a~(z);     b~(z) = v - a~(z)
//
// One value on the channel; the two input claims share the point z. Witness: the engine's residual stream
// (add_into of model/step_pass.cpp); the graph checks y = a + b entry by entry before proving.
// Inputs: 0 = a, 1 = b.
#pragma once

#include "zklora/ops/operation.h"

namespace zklora {

class AddOp final : public Operation {
 public:
  explicit AddOp(std::vector<uint64_t> dims) : dims_(std::move(dims)) {}

  std::string_view name() const override { return "add"; }
  size_t num_inputs() const override { return 2; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_, dims_}; }
  std::vector<uint64_t> output_dims() const override { return dims_; }
  void absorb(Transcript& t) const override;
  std::vector<InputProverClaim> prove(ProverChannel& ch, std::span<const TensorData> inputs, const TensorData& output,
                                      const ProverClaim& output_claim, int threads) const override;
  Result<std::vector<InputVerifierClaim>> verify(VerifierChannel& ch, const VerifierClaim& output_claim) const override;

 private:
  std::vector<uint64_t> dims_;
};

}  // namespace zklora
