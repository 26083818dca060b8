// Attention's backward pass as the step graph composes it (scores, rescale, softmax backward, context, group sums,
// rescales) equals the engine's attention_backward entry for entry.
#include <gtest/gtest.h>

#include <random>

#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/attention/attention_backward_ops.h"
#include "zklora/ops/attention/attention_ops.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "ops/op_test_util.h"

namespace zklora {
namespace {

using testing::random_values;
using testing::rescaled;
using testing::run;

TEST(AttentionBackwardOps, ComposeToTheEnginesBackwardPass) {
  const HeadShape hs{2, 5, 4, 2, 8};
  const AttentionShape sh{2, 5, 4, 2, 8};
  const int64_t T = 10, c = inv_sqrt_head_dim(8);
  std::mt19937_64 gen(7);
  ITensor q({T, 32}), k({T, 16}), v({T, 16}), d_o({T, 32});
  q.data = random_values(gen, q.data.size(), int64_t{1} << 18);
  k.data = random_values(gen, k.data.size(), int64_t{1} << 18);
  v.data = random_values(gen, v.data.size(), int64_t{1} << 18);
  d_o.data = random_values(gen, d_o.data.size(), int64_t{1} << 30);
  const AttentionOut fwd = attention_forward(sh, q, k, v);
  const AttentionGrad g = attention_backward(sh, q, k, v, fwd, d_o);

  const std::vector<uint64_t> pd{2, 4, 5, 5}, qd{2, 5, 32}, kd{2, 5, 16};
  const OwnedTable dp = rescaled(run(AttentionScoresOp(hs), {TableView(d_o.data), TableView(v.data)}), pd, 16, 1);
  const OwnedTable ds = run(SoftmaxBackwardOp(2, 4, 5), {TableView(fwd.p.data), dp.view()});
  const OwnedTable dq =
      rescaled(run(AttentionContextOp(hs), {ds.view(), TableView(k.data)}), qd, kFixed.act + kFixed.unit, c);
  const OwnedTable dv = rescaled(run(AttentionGroupSumOp(hs), {TableView(fwd.p.data), TableView(d_o.data)}), kd, 16, 1);
  const OwnedTable dk =
      rescaled(run(AttentionGroupSumOp(hs), {ds.view(), TableView(q.data)}), kd, kFixed.act + kFixed.unit, c);
  EXPECT_EQ(dq.ints, g.dq.data);
  EXPECT_EQ(dk.ints, g.dk.data);
  EXPECT_EQ(dv.ints, g.dv.data);
  // Some entries are non-zero: the comparison is not between zero tensors.
  size_t nonzero = 0;
  for (const int64_t x : g.dk.data) nonzero += x != 0;
  EXPECT_GT(nonzero, g.dk.data.size() / 2);
}

}  // namespace
}  // namespace zklora
