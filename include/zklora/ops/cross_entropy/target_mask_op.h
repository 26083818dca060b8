// The batch's target mask from the number of targets of each of its rows (docs/fixed_point.md section 5: row b has
// a target at position s when its next token is a token of the example; a data set's commitment holds each
// example's count, step/data_commitment.h, so the examples fix which positions are targets, not the prover):
//
//     mask[b][s] = 1 if s < n_b, else 0                          (B, S);  n (B), 0 <= n_b <= S - 1
//
// mask is committed (the graph commits it and proves its zero padding) and pinned to n by three relations:
//   (M1) boolean and never rising along a sequence, one zero-check with lambda and r random:
//            0 = sum_t eq(r, t) (m_t^2 - m_t + lambda (next_t - next_t m_t)),   next_t = m_{t+1} within its row
//        (next is the shift by one position, cross_entropy_op.h's shift_weight_*: one more sumcheck over s);
//   (M2) zero on the last position:  m~(r_b, S - 1) = 0, r_b random;
//   (M3) the row sums:  n~(z_b) = 2^(vars of S) m~(z_b, 1/2, ..., 1/2), z_b random (an MLE averaged over the
//        hypercube of a dimension is its value at 1/2, and the padding positions are zero).
// By (M1) every real row is a run of ones followed by zeros; by (M3) the run's length is n_b (a sum of S booleans,
// far below |Fr|); by (M2) it is below S. So mask is the function of n above, and n lies in [0, S - 1] without a
// range check of its own. The loss (cross_entropy_op.h) reads mask as it is.
// Transcript: "target-mask-lambda", "target-mask-point", a sumcheck, "target-mask-next-eval", "target-mask-eval",
// the shift's sumcheck and "loss-shift-eval", "target-mask-last-row", "target-mask-row-point",
// "target-mask-sum-eval", "target-count-eval".
// Witness: target_mask of fixed/ semantics (make_batch's targets), OUT_OF_RANGE for a count outside [0, S - 1].
// Inputs: 0 = n. Outputs: 0 = mask (committed).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class TargetMaskOp final : public Operation {
 public:
  // ZkError INVALID_ARGUMENT for batch 0 or seq < 2.
  TargetMaskOp(uint64_t batch, uint64_t seq);

  std::string_view kind() const override { return "target-mask"; }
  std::vector<std::vector<uint64_t>> input_dims() const override { return {{batch_}}; }
  std::vector<TensorDecl> outputs() const override { return {{"", {batch_, seq_}, {}, true}}; }
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  uint64_t batch_, seq_;
};

// The mask of rows with these numbers of targets, row-major (B, S). ZkError OUT_OF_RANGE for a count outside
// [0, S - 1].
std::vector<int64_t> target_mask(std::span<const int64_t> counts, uint64_t seq);

}  // namespace zklora
