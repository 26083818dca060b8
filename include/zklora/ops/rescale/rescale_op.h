// Rescaling after a product (docs/fixed_point.md section 2): y = round_shift(m P, s) for a public integer
// multiplier m != 0 (1, or the LoRA scale S) and a shift s >= 1, entry by entry over a tensor of dims D:
//
//     m P + 2^(s-1) = 2^s y + rem,     rem in [0, 2^s)                                              (R)
//
// rem is a COMMITTED input, range checked unsigned on s bits; y, the quotient, is range checked signed by the
// graph (its bound, quotient_bits, is the engine's activation bound), so (R) is an equation between integers of
// absolute value far below |Fr| / 2: it holds in Fr iff it holds in Z, and then y = floor((m P + 2^(s-1)) / 2^s),
// the one rounding rule. Reduction of the claim y~(z) = v, with sel the tensor's selector (1 on real entries;
// the padding of P, y and rem is zero, so (R) with the constant times sel holds on every padded entry):
//
//     prover sends rem~(z);    P~(z) = m^-1 (2^s v + rem~(z) - 2^(s-1) sel~(z))
//
// a linear map: no sumcheck, nothing checked here; the claim on rem is settled by its opening, the claim on P by
// the operation that produced P. Witness: y is the engine's output; rescale_remainder derives rem from it and
// refuses (OUT_OF_RANGE) if y is not the rounding of m P, so the proof can only follow the engine.
// Inputs: 0 = P, 1 = rem.
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
  RescaleOp(std::vector<uint64_t> dims, unsigned shift, int64_t multiplier);

  std::string_view name() const override { return "rescale"; }
  size_t num_inputs() const override { return 2; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {dims_, dims_}; }
  std::vector<uint64_t> output_dims() const override { return dims_; }
  void absorb(Transcript& t) const override;
  std::vector<InputProverClaim> prove(ProverChannel& ch, std::span<const TensorData> inputs, const TensorData& output,
                                      const ProverClaim& output_claim, int threads) const override;
  Result<std::vector<InputVerifierClaim>> verify(VerifierChannel& ch, const VerifierClaim& output_claim) const override;

  RangeSpec remainder_range() const { return {shift_, false}; }
  unsigned shift() const { return shift_; }
  int64_t multiplier() const { return multiplier_; }

 private:
  std::vector<uint64_t> dims_;
  unsigned shift_;
  int64_t multiplier_;
  Fr two_s_, half_, inv_m_;
};

// rem_i = m P_i + 2^(s-1) - 2^s y_i for the engine's product P and output y (same length); ZkError OUT_OF_RANGE
// if some rem_i is outside [0, 2^s) (y is not round_shift(m P, s)).
std::vector<int64_t> rescale_remainder(std::span<const int64_t> product, std::span<const int64_t> y,
                                       unsigned shift, int64_t multiplier);

}  // namespace zklora
