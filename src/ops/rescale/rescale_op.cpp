// Rescaling with a committed remainder (rescale_op.h).
#include "zklora/ops/rescale/rescale_op.h"

#include <string>

#include "zklora/base/types.h"
#include "zklora/fixed/arith.h"
#include "zklora/poly/mle.h"

namespace zklora {

RescaleOp::RescaleOp(std::vector<uint64_t> dims, unsigned shift, int64_t multiplier, RangeSpec out_range)
    : dims_(std::move(dims)), shift_(shift), multiplier_(multiplier), out_range_(out_range) {
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
  t.absorb_u64("range", out_range_.bits | uint64_t{out_range_.is_signed} << 16);
}

OpWitness RescaleOp::compute(std::span<const TableView> in, int) const {
  const std::vector<i128> p = view_to_i128(in[0]);
  std::vector<int64_t> y(p.size()), rem(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const i128 mp = p[i] * multiplier_;
    y[i] = to_i64_checked(round_shift(mp, shift_), "rescaled value");
    rem[i] = static_cast<int64_t>(mp + (i128{1} << (shift_ - 1)) - (static_cast<i128>(y[i]) << shift_));
  }
  OpWitness out;
  out.helpers.emplace_back(std::move(rem));
  out.outputs.emplace_back(std::move(y));
  return out;
}

void RescaleOp::prove(OpProver& p) const {
  const std::optional<ProverClaim> y = p.combined_claim(TensorRef::output(0));
  if (!y) return;
  const ProverValue rem = p.evaluate(TensorRef::helper(0), y->point, "rescale-remainder");
  const Fr sel = selector_eval(dims_, y->point);
  p.add_claim(TensorRef::input(0), {y->point, (y->value * two_s_ + rem - sel * half_) * inv_m_});
}

Status RescaleOp::verify(OpVerifier& v) const {
  auto y = v.combined_claim(TensorRef::output(0));
  if (!y) return y.error();
  if (!y->has_value()) return {};
  const VerifierClaim& c = **y;
  auto rem = v.evaluate(TensorRef::helper(0), c.point, "rescale-remainder");
  if (!rem) return rem.error();
  const Fr sel = selector_eval(dims_, c.point);
  v.add_claim(TensorRef::input(0), {c.point, (c.value * two_s_ + rem.value() - sel * half_) * inv_m_});
  return {};
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
