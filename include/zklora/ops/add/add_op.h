// Exact additions y = s a + b over tensors of equal dims, s a public integer (1 for the residual stream of
// docs/fixed_point.md section 4; 2^8 where an input gradient's base products join its LoRA products, section 4's
// projection backward). The MLE is linear, so the claims on y, combined into one y~(z) = v, reduce without a
// sumcheck:
//
//     prover sends a~(z);     b~(z) = v - s a~(z)
//
// One value on the channel; the two input claims share the point z. Witness: s a + b entry by entry, in 128 bits
// (stored as field elements past int64: exact products are summed too).
// Inputs: 0 = a, 1 = b. Output: y (derived).
#pragma once

#include "zklora/ops/operation.h"

namespace zklora {

class AddOp final : public Operation {
 public:
  // INVALID_ARGUMENT for s = 0.
  explicit AddOp(std::vector<uint64_t> dims, int64_t scale_a = 1);

  std::string_view kind() const override { return "add"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_, dims_}; }
  std::vector<TensorDecl> outputs() const override { return {{"", dims_, {}, false}}; }
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> dims_;
  int64_t scale_a_;
};

}  // namespace zklora
