// Rescaling after a product (docs/fixed_point.md section 2): y = round_shift(m P, s) for a public integer
// multiplier m != 0 (1, or the LoRA scale S) and a shift s >= 1, entry by entry over a tensor of dims D:
//
//     m P + 2^(s-1) sel = 2^s y + rem,     rem in [0, 2^s)                                          (R)
//
// rem is a COMMITTED helper, range checked unsigned on s bits; y, the quotient, is range checked signed (the
// output's range, by default the activations' 48 bits: the engine bounds activations by 2^40), so (R) is an
// equation between integers of absolute value far below |Fr| / 2 (P is a product of range-checked tensors): it
// holds in Fr iff it holds in Z, and then y = floor((m P + 2^(s-1)) / 2^s), the one rounding rule. The claims
// on y are combined into one, y~(z) = v, and reduced (sel the selector; the padding of P, y and rem is zero, so
// (R) with the constant times sel holds on every padded entry):
//
//     prover sends rem~(z);    P~(z) = m^-1 (2^s v + rem~(z) - 2^(s-1) sel~(z))
//
// a linear map: no sumcheck; the claim on rem is settled by its opening, the claim on P by P's producer.
// Witness: y = round_shift(m P, s) (fixed/arith.h), rem from (R).
// Inputs: 0 = P. Output: y (derived, range checked). Helper: rem (committed).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/ops/operation.h"
#include "zklora/piop/range_check.h"

namespace zklora {

class RescaleOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for s = 0, s > 62, or m = 0.
  RescaleOp(std::vector<uint64_t> dims, unsigned shift, int64_t multiplier, RangeSpec out_range = kActivationRange);

  std::string_view kind() const override { return "rescale"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_}; }
  std::vector<TensorDecl> outputs() const override { return {{"", dims_, out_range_, false}}; }
  std::vector<TensorDecl> helpers() const override { return {{"remainder", dims_, remainder_range(), true}}; }
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

  RangeSpec remainder_range() const { return {shift_, false}; }
  unsigned shift() const { return shift_; }
  int64_t multiplier() const { return multiplier_; }

 private:
  std::vector<uint64_t> dims_;
  unsigned shift_;
  int64_t multiplier_;
  RangeSpec out_range_;
  Fr two_s_, half_, inv_m_;
};

// rem_i = m P_i + 2^(s-1) - 2^s y_i for the product P and output y (same length); ZkError OUT_OF_RANGE if some
// rem_i is outside [0, 2^s) (y is not round_shift(m P, s)).
std::vector<int64_t> rescale_remainder(std::span<const int64_t> product, std::span<const int64_t> y,
                                       unsigned shift, int64_t multiplier);

}  // namespace zklora
