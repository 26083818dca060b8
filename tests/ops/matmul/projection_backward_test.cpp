// A LoRA projection's backward pass as the step graph composes it (rescales, matrix products, row contractions,
// scaled additions) equals the engine's projection_backward and InputGradient entry for entry: one projection with
// an adapter, and a second one without, summed into the same input gradient.
#include <gtest/gtest.h>

#include <random>

#include "zklora/fixed/format.h"
#include "zklora/fixed/nn.h"
#include "zklora/ops/add/add_op.h"
#include "zklora/ops/matmul/matmul_op.h"
#include "zklora/ops/matmul/row_contraction_op.h"
#include "zklora/ops/rescale/rescale_op.h"
#include "ops/op_test_util.h"

namespace zklora {
namespace {

using testing::random_values;
using testing::rescaled;
using testing::run;

TEST(ProjectionBackwardOps, ComposeToTheEnginesBackwardPass) {
  const uint64_t B = 2, S = 3, in = 12, out = 10, r = 4;
  const int64_t T = static_cast<int64_t>(B * S), scale = 1 << 17;  // alpha / r = 2
  std::mt19937_64 gen(11);
  ITensor y({T, static_cast<int64_t>(in)}), lora_a({static_cast<int64_t>(r), static_cast<int64_t>(in)}),
      lora_b({static_cast<int64_t>(out), static_cast<int64_t>(r)}), dout({T, static_cast<int64_t>(out)});
  WTensor w({static_cast<int64_t>(out), static_cast<int64_t>(in)});
  y.data = random_values(gen, y.data.size(), int64_t{1} << 18);
  lora_a.data = random_values(gen, lora_a.data.size(), int64_t{1} << 20);
  lora_b.data = random_values(gen, lora_b.data.size(), int64_t{1} << 20);
  dout.data = random_values(gen, dout.data.size(), int64_t{1} << 26);
  for (auto& x : w.data) x = static_cast<int32_t>(random_values(gen, 1, 1 << 15)[0]);
  const ProjectionOut fwd = projection_forward(y, w, lora_a, lora_b, scale);
  WTensor w2({static_cast<int64_t>(out), static_cast<int64_t>(in)});
  for (auto& x : w2.data) x = static_cast<int32_t>(random_values(gen, 1, 1 << 15)[0]);
  ITensor dout2({T, static_cast<int64_t>(out)});
  dout2.data = random_values(gen, dout2.data.size(), int64_t{1} << 26);
  InputGradient sum(T, static_cast<int64_t>(in), true);
  const ProjectionGrad g = projection_backward(y, w, lora_a, lora_b, scale, fwd.a, dout, &sum);
  (void)projection_backward(y, w2, ITensor(), ITensor(), scale, ProjectionOut{}.a, dout2, &sum);
  const ITensor engine_dy = sum.round("input gradient");

  const std::vector<uint64_t> rows{B, S};
  const std::vector<int64_t> w64(w.data.begin(), w.data.end()), w2_64(w2.data.begin(), w2.data.end());
  const OwnedTable da = rescaled(run(*MatmulOp::times(rows, out, r), {TableView(dout.data), TableView(lora_b.data)}),
                                 {B, S, r}, kFixed.lora + kFixed.unit, scale);
  const OwnedTable db = rescaled(run(RowContractionOp(rows, out, r), {TableView(dout.data), TableView(fwd.a.data)}),
                                 {out, r}, kFixed.act + kFixed.unit, scale);
  const OwnedTable d_a = rescaled(run(RowContractionOp(rows, r, in), {da.view(), TableView(y.data)}), {r, in},
                                  kFixed.act, 1);
  const OwnedTable base = run(*MatmulOp::times(rows, out, in), {TableView(dout.data), TableView(w64)});
  const OwnedTable base2 = run(*MatmulOp::times(rows, out, in), {TableView(dout2.data), TableView(w2_64)});
  const OwnedTable lora = run(*MatmulOp::times(rows, r, in), {da.view(), TableView(lora_a.data)});
  const std::vector<uint64_t> dy_dims{B, S, in};
  const OwnedTable base_sum = run(AddOp(dy_dims), {base.view(), base2.view()});
  const OwnedTable all = run(AddOp(dy_dims, int64_t{1} << (kFixed.lora - kFixed.weight)), {base_sum.view(), lora.view()});
  const OwnedTable dy = rescaled(all, dy_dims, kFixed.lora, 1);
  EXPECT_EQ(db.ints, g.d_b.data);
  EXPECT_EQ(d_a.ints, g.d_a.data);
  EXPECT_EQ(dy.ints, engine_dy.data);
  size_t nonzero = 0;
  for (const int64_t x : g.d_a.data) nonzero += x != 0;
  EXPECT_GT(nonzero, g.d_a.data.size() / 2);
}

}  // namespace
}  // namespace zklora
