// The rescale witness (rescale_op.h): the remainder of the one rounding rule, and refusal of an output that is not
// the rounding of its product (the proof can only follow the engine).
#include <gtest/gtest.h>

#include "zklora/ops/rescale/rescale_op.h"

namespace zklora {
namespace {

TEST(RescaleOp, RemainderOfTheRounding) {
  const std::vector<int64_t> p = {5 << 16, (5 << 16) + (1 << 15), -(3 << 16) - (1 << 15) - 1};
  const std::vector<int64_t> y = {5, 6, -4};
  EXPECT_EQ(rescale_remainder(p, y, 16, 1), (std::vector<int64_t>{1 << 15, 0, (1 << 16) - 1}));
  const std::vector<int64_t> wrong = {5, 5, -4};
  EXPECT_THROW((void)rescale_remainder(p, wrong, 16, 1), ZkError);
  // With a multiplier: round_shift(3 * 7, 2) = floor(23 / 4) = 5, remainder 3.
  EXPECT_EQ(rescale_remainder(std::vector<int64_t>{7}, std::vector<int64_t>{5}, 2, 3), std::vector<int64_t>{3});
  EXPECT_THROW(RescaleOp({4}, 0, 1), ZkError);
  EXPECT_THROW(RescaleOp({4}, 16, 0), ZkError);
}

}  // namespace
}  // namespace zklora
