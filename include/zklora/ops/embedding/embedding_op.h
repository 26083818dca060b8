// Token embedding (docs/fixed_point.md section 4: h_t = E[token_t], weight scale = act scale) as a product with a
// committed one-hot matrix, with the committed batch of token ids tied to it:
//
//     h = OH E,    OH (rows..., V) committed,  E (V, d) the committed embedding,  tok (rows...) the batch
//
// and OH's rows are the one-hot vectors of the ids:
//   (B) OH[t][v] in {0, 1} on every entry:   0 = sum_x eq(r_b, x) (OH(x)^2 - OH(x))       r_b random, a zero-check
//   (T) for every row t, with w_v = [v < V] (1 + gamma v), gamma random:
//           sum_v OH[t][v] w_v = sel(t) + gamma tok_t,
//       checked at a random row point z_t:  sum_v OH~(z_t, v) w(v) = sel~(z_t) + gamma tok~(z_t)   (a sumcheck
//       over v; w~(r) = S0(r) + gamma S1(r) with (S0, S1) = prefix_eq_sums(V, r), the verifier's own).
// With (B), the real columns of a real row hold integers 0 or 1 summing to 1 (the sum is below |Fr|): exactly
// one 1, at a column v* < V, and tok_t = v* (gamma separates the two sums). So an id outside [0, V) cannot pass,
// and h_t = E[v*] = E[tok_t]. Padding rows (t >= T) sum to 0 and hold only zeros in their real columns; padding
// columns (v >= V) multiply E's zero padding rows and weigh nothing. Claims out: three on OH (the product's, the
// zero-check's, the row relation's), one on E, one on tok, all settled by openings.
// Costs: OH has T V entries of one bit (committed with 2-bit scalars); the three sumchecks are O(T V).
// Rows are (batch, seq): the row dimensions are the product's batch dimensions.
// Witness: embedding_one_hot of the batch; h is the engine's embedding (embedding_rows of model/: the rows of E
// selected by the ids). OH is an output: the loss reads the targets' one-hot rows from it.
// Transcript: the matmul's, then "embedding-bool-point", a sumcheck, "embedding-bool-eval", "embedding-gamma",
// "embedding-row-point", "embedding-token-eval", a sumcheck, "embedding-row-eval".
// Inputs: 0 = E, 1 = tok. Outputs: 0 = h (derived), 1 = OH (committed).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zklora/ops/operation.h"

namespace zklora {

class EmbeddingOp final : public Operation {
 public:
  EmbeddingOp(std::vector<uint64_t> rows, uint64_t vocab, uint64_t d_model);

  std::string_view kind() const override { return "embedding"; }
  std::vector<std::vector<uint64_t>> input_dims() const override;
  std::vector<TensorDecl> outputs() const override;
  void absorb(Transcript& t) const override;
  OpWitness compute(std::span<const TableView> inputs, int threads) const override;
  void prove(OpProver& p) const override;
  Status verify(OpVerifier& v) const override;

 private:
  std::vector<uint64_t> rows_;
  uint64_t vocab_, d_;
  std::vector<uint64_t> with(uint64_t last) const;
};

// OH (T, V) row-major: OH[t][tok_t] = 1. ZkError INVALID_ARGUMENT for an id outside [0, V).
std::vector<int64_t> embedding_one_hot(std::span<const int64_t> tokens, uint64_t vocab);

}  // namespace zklora
