// Rescaling with a committed remainder (rescale_op.h).
#include "zklora/ops/rescale/rescale_op.h"

#include <string>

#include "zklora/base/types.h"
#include "zklora/poly/mle.h"

namespace zklora {

RescaleOp::RescaleOp(std::vector<uint64_t> dims, unsigned shift, int64_t multiplier)
    : dims_(std::move(dims)), shift_(shift), multiplier_(multiplier) {
  if (shift_ == 0 || shift_ > 62 || multiplier_ == 0) {
    throw ZkError(ErrorCode::INVALID_ARGUMENT, "rescale: shift must be in [1, 62] and the multiplier non-zero");
  }
  two_s_ = Fr::from_u64(uint64_t{1} << shift_);
  half_ = Fr::from_u64(uint64_t{1} << (shift_ - 1));
  inv_m_ = Fr::from_i64(multiplier_).inverse();
}

void RescaleOp::absorb(Transcript& t) const {
  t.domain("op-rescale");
  absorb_dims(t, "dims", dims_);
  t.absorb_u64("shift", shift_);
  t.absorb_fr("multiplier", Fr::from_i64(multiplier_));
}

std::vector<InputProverClaim> RescaleOp::prove(ProverChannel& ch, std::span<const TensorData> inputs,
                                               const TensorData& /*output*/, const ProverClaim& y,
                                               int threads) const {
  const Fr rem_value = mle_evaluate(inputs[1].padded(), y.point, threads);
  const ProverValue rem = ch.send("rescale-remainder", rem_value);
  const Fr sel = selector_eval(dims_, y.point);
  const ProverValue p = (y.value * two_s_ + rem - sel * half_) * inv_m_;
  return {{0, {y.point, p}}, {1, {y.point, rem}}};
}

Result<std::vector<InputVerifierClaim>> RescaleOp::verify(VerifierChannel& ch, const VerifierClaim& y) const {
  auto rem = ch.receive("rescale-remainder");
  if (!rem) return rem.error();
  const Fr sel = selector_eval(dims_, y.point);
  const VerifierValue p = (y.value * two_s_ + rem.value() - sel * half_) * inv_m_;
  return std::vector<InputVerifierClaim>{{0, {y.point, p}}, {1, {y.point, rem.value()}}};
}

std::vector<int64_t> rescale_remainder(std::span<const int64_t> product, std::span<const int64_t> y, unsigned shift,
                                       int64_t multiplier) {
  if (product.size() != y.size()) throw ZkError(ErrorCode::INVALID_ARGUMENT, "rescale_remainder: sizes differ");
  std::vector<int64_t> rem(y.size());
  const i128 half = i128{1} << (shift - 1);
  const i128 top = i128{1} << shift;
  for (size_t i = 0; i < y.size(); ++i) {
    const i128 r = static_cast<i128>(product[i]) * multiplier + half - (static_cast<i128>(y[i]) << shift);
    if (r < 0 || r >= top) {
      throw ZkError(ErrorCode::OUT_OF_RANGE,
                    "rescale: output entry " + std::to_string(i) + " is not the rounding of its product");
    }
    rem[i] = static_cast<int64_t>(r);
  }
  return rem;
}

}  // namespace zklora
