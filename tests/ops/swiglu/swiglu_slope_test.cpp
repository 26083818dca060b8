// The range of SwiGLU backward's t2 (swiglu_backward_op.h, kSlopeRange): for every gate value g the honest t2 lies
// in [-14674, 14674], checked over the whole SIGMOID table's domain and past both of its ends, where the table's
// ends (sigma = 0 below, 2^16 above) make t2 zero for every larger |g|.
#include <gtest/gtest.h>

#include <algorithm>

#include "zklora/fixed/tables.h"
#include "zklora/ops/swiglu/swiglu_backward_op.h"

namespace zklora {
namespace {

TEST(SwigluBackwardSlope, EveryGateValueFitsTheSlopeRange) {
  // round_shift(g, 5) leaves the table's domain [-2^15, 2^15) at |g| = 2^20: go to 2^22 on both sides.
  constexpr int64_t kFrom = -(int64_t{1} << 22), kTo = int64_t{1} << 22;
  constexpr uint64_t kChunk = uint64_t{1} << 20;
  const SwigluBackwardOp op({kChunk});
  int64_t lo = 0, hi = 0;
  for (int64_t start = kFrom; start <= kTo; start += static_cast<int64_t>(kChunk)) {
    std::vector<int64_t> g(kChunk), sigma(kChunk), zero(kChunk, 0);
    for (uint64_t i = 0; i < kChunk; ++i) {
      g[i] = std::min(start + static_cast<int64_t>(i), kTo);
      sigma[i] = sigmoid_fixed(g[i]);
    }
    const std::vector<TableView> in = {TableView(g), TableView(zero), TableView(sigma), TableView(zero)};
    const OpWitness w = op.compute(in, 0);
    const std::vector<int64_t>& t2 = w.helpers[0].ints;
    const auto [mn, mx] = std::minmax_element(t2.begin(), t2.end());
    lo = std::min(lo, *mn);
    hi = std::max(hi, *mx);
  }
  EXPECT_EQ(lo, -14674);
  EXPECT_EQ(hi, 14674);
  const int64_t half = int64_t{1} << (kSlopeRange.bits - 1);
  EXPECT_TRUE(kSlopeRange.is_signed);
  EXPECT_GE(lo, -half);
  EXPECT_LT(hi, half);
  // Past the domain: sigma is exactly 0 below and 2^16 above.
  EXPECT_EQ(sigmoid_fixed(-(int64_t{1} << 40)), 0);
  EXPECT_EQ(sigmoid_fixed(int64_t{1} << 40), int64_t{1} << 16);
}

}  // namespace
}  // namespace zklora
