// Residual additions (docs/fixed_point.md section 4: exact integer additions), y = a + b over tensors of equal
// dims. The MLE is linear, so the claims on y, combined into one y~(z) = v, reduce without a sumcheck:
//
//     prover sends a~(z);     b~(z) = v - a~(z)
//
// One value on the channel; the two input claims share the point z. Witness: a + b entry by entry.
// Inputs: 0 = a, 1 = b. Output: y (derived).
#pragma once

#include "zklora/ops/operation.h"

namespace zklora {

class AddOp final : public Operation {
 public:
  explicit AddOp(std::vector<uint64_t> dims) : dims_(std::move(dims)) {}

  std::string_view kind() const override { return "add"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_, dims_}; }
  std::vector<TensorDecl> outputs() const override { return {{"", dims_, {}, false}}; }
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
};

}  // namespace zklora
