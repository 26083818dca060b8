// The exact product's witness: the kernel's when every entry fits 62 bits, 128-bit sums stored as field elements
// past that (a backward pass's products).
#include <gtest/gtest.h>

#include "zklora/ops/matmul/matmul_op.h"

namespace zklora {
namespace {

TEST(MatmulOp, ProductsPast62BitsAreExactFieldElements) {
  // X (2, 3) times W (2, 3) transposed: 3 2^70 and -2^70 past the kernel's range.
  const std::vector<int64_t> x = {int64_t{1} << 40, int64_t{1} << 40, int64_t{1} << 40, -(int64_t{1} << 40), 0, 0};
  const std::vector<int64_t> w = {int64_t{1} << 30, int64_t{1} << 30, int64_t{1} << 30, 1, 2, 3};
  const auto op = MatmulOp::linear({2}, 3, 2);
  const OpWitness out = op->compute(std::vector<TableView>{TableView(x), TableView(w)}, 1);
  ASSERT_TRUE(out.outputs[0].is_field);
  const Fr two70 = Fr::from_u128(static_cast<u128>(1) << 70);
  const std::vector<Fr> expected = {two70 * Fr::from_u64(3), Fr::from_u64(6) * Fr::from_i64(int64_t{1} << 40),
                                    -two70, -Fr::from_i64(int64_t{1} << 40)};
  EXPECT_EQ(out.outputs[0].field, expected);
  // Small products stay integers.
  const std::vector<int64_t> xs = {1, 2, 3, 4, 5, 6}, ws = {1, 0, 0, 0, 1, 0};
  const OpWitness small = op->compute(std::vector<TableView>{TableView(xs), TableView(ws)}, 1);
  ASSERT_FALSE(small.outputs[0].is_field);
  EXPECT_EQ(small.outputs[0].ints, (std::vector<int64_t>{1, 2, 4, 5}));
}

}  // namespace
}  // namespace zklora
